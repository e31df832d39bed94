from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "rapport.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the app registry is ready.
        from rapport.reports import registrations

        registrations.register()
