from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rapport.core"
    label = "core"
    verbose_name = "Users, teams and audit"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the app registry is ready.
        from rapport.core import registrations

        registrations.register()
