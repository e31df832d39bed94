from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "rapport.alerts"
    label = "alerts"
    verbose_name = "Rules and alerts"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the app registry is ready.
        from rapport.alerts import registrations

        registrations.register()
