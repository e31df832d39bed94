from django.apps import AppConfig


class EnrichmentConfig(AppConfig):
    name = "rapport.enrichment"
    label = "enrichment"
    verbose_name = "Comment analysis"
