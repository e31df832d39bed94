"""How much of each monitoring method's feedback led to an action (decision 140): the provider
actions registers in `monitoring.evaluation.ACTION_SHARE_PROVIDERS`.

A piece of feedback is a response of the account submitted in the window, brought in by the
method its channel belongs to (`CHANNEL_METHODS`). It led to an action when an action of the
same account was opened after it was submitted, no more than `FOLLOW_UP` later and before the
window's end, from a source that is the customer's feedback or read from it:

- a theme (`source_ref` is the theme's slug): only feedback whose comment carries that theme;
- an alert, a SWOT line, an expectation review or an incident: the account's feedback before it.
  Those rows live in apps above actions, which cannot read them (decision 77), so the link is
  the account and the time: an upper bound, stated on the page as "led to an action".

Manual actions and people's ideas are not counted: nothing ties them to the customer's feedback.
A response counts once however many actions followed it. One query, whatever the accounts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Value, When

from rapport.actions.models import Action, SourceKind
from rapport.enrichment.models import ResponseTheme
from rapport.feedback.models import Response
from rapport.monitoring.evaluation import CHANNEL_METHODS, ActionShare

# An action opened more than this after a piece of feedback is not taken to follow from it.
FOLLOW_UP = timedelta(days=30)
ACCOUNT_SOURCES = (
    SourceKind.ALERT,
    SourceKind.SWOT,
    SourceKind.EXPECTATION_REVIEW,
    SourceKind.INCIDENT,
)


def action_shares(
    account_ids: set[int], start: datetime, end: datetime
) -> dict[tuple[int, str], ActionShare]:
    """Per (account, method kind): the feedback of the window and how much led to an action."""
    if not account_ids:
        return {}
    followed = Action.objects.filter(
        account_id=OuterRef("account_id"),
        created_at__gt=OuterRef("submitted_at"),
        created_at__lte=OuterRef("submitted_at") + FOLLOW_UP,
        created_at__lt=end,
    )
    themes = ResponseTheme.objects.filter(analysis__response_id=OuterRef(OuterRef("pk"))).values(
        "theme__slug"
    )
    led = Exists(followed.filter(source_kind__in=ACCOUNT_SOURCES)) | Exists(
        followed.filter(source_kind=SourceKind.THEME, source_ref__in=themes)
    )
    method = Case(
        *(When(channel=channel, then=Value(kind)) for channel, kind in CHANNEL_METHODS.items()),
        output_field=CharField(),
    )
    rows = (
        Response.objects.filter(
            account_id__in=account_ids,
            submitted_at__gte=start,
            submitted_at__lt=end,
            channel__in=list(CHANNEL_METHODS),
        )
        .annotate(method=method)
        .order_by()
        .values("account_id", "method")
        .annotate(feedback=Count("pk"), led=Count("pk", filter=Q(led)))
    )
    return {
        (row["account_id"], row["method"]): ActionShare(row["feedback"], row["led"]) for row in rows
    }
