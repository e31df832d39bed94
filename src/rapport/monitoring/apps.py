from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "rapport.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring plans"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the app registry is ready.
        from rapport.monitoring import registrations

        registrations.register()
