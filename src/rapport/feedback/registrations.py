"""What feedback registers with core and customers (called from FeedbackConfig.ready)."""

from __future__ import annotations

from rapport.core.registries import PERIODIC
from rapport.customers.services import ACCOUNT_MOVED_HOOKS
from rapport.feedback.services import delete_old_uploads, fail_stalled_imports, follow_account_team


def register() -> None:
    # Imports whose worker was killed: their pages offer to resume.
    PERIODIC.register("feedback.stalled_imports", fail_stalled_imports, order=10)
    # Uploaded files are kept RAPPORT_IMPORT_KEEP_UPLOADS_DAYS after their job ends.
    PERIODIC.register("feedback.old_uploads", delete_old_uploads, order=15)
    # Responses keep their account's team (Response.team) when the account moves.
    if follow_account_team not in ACCOUNT_MOVED_HOOKS:
        ACCOUNT_MOVED_HOOKS.append(follow_account_team)
