"""What feedback registers with core (called from FeedbackConfig.ready)."""

from __future__ import annotations

from rapport.core.registries import PERIODIC
from rapport.feedback.services import delete_old_uploads, fail_stalled_imports


def register() -> None:
    # Imports whose worker was killed: their pages offer to resume.
    PERIODIC.register("feedback.stalled_imports", fail_stalled_imports, order=10)
    # Uploaded files are kept RAPPORT_IMPORT_KEEP_UPLOADS_DAYS after their job ends.
    PERIODIC.register("feedback.old_uploads", delete_old_uploads, order=15)
