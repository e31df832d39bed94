from django.apps import AppConfig


class EnrichmentConfig(AppConfig):
    name = "rapport.enrichment"
    label = "enrichment"
    verbose_name = "Comment analysis"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the app registry is ready.
        from rapport.enrichment import registrations

        registrations.register()
