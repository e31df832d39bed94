"""What feedback registers with core (called from FeedbackConfig.ready)."""

from __future__ import annotations

from rapport.core.registries import PERIODIC
from rapport.feedback.services import fail_stalled_imports


def register() -> None:
    # Imports whose worker was killed: their pages offer to resume.
    PERIODIC.register("feedback.stalled_imports", fail_stalled_imports, order=10)
