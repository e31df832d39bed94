"""What agreements registers with the apps below it (called from AgreementsConfig.ready)."""

from __future__ import annotations


def register() -> None:
    """Filled as the pages land (account tab, navigation, periodic work)."""
