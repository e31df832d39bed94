from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rapport.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the app registry is ready.
        from rapport.notifications import registrations

        registrations.register()
