from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """Pages that compose several apps: the portfolio and the account page (no models)."""

    name = "rapport.workspace"
    label = "workspace"
    verbose_name = "Workspace"
