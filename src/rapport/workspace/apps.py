from django.apps import AppConfig

from rapport.core.registries import ACCOUNT_TABS, AccountTab


class WorkspaceConfig(AppConfig):
    """Pages that compose several apps: the portfolio and the account page (no models)."""

    name = "rapport.workspace"
    label = "workspace"
    verbose_name = "Workspace"

    def ready(self) -> None:
        ACCOUNT_TABS.register(
            "overview", AccountTab("overview", "Overview", "customers:account"), order=0
        )
