from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "rapport.actions"
    label = "actions"
    verbose_name = "Actions"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the app registry is ready.
        from rapport.actions import registrations

        registrations.register()
