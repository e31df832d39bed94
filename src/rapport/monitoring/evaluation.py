"""How well each monitoring method works, per account and across the team (seed P2).

For each method kind over the last N days: response rate (responses over invitations where
both are known, else responses per activity), coverage of the account's decision makers and
influencers reached by it, its cost, its timeliness (share done on time, with a Wilson
interval) and the share of its feedback that led to an action. That last figure comes from
`ACTION_SHARE_PROVIDERS`, which the actions app (above this one) fills; until it does, the
figure reads "not yet measured".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from rapport.core import formats
from rapport.customers.models import Account, Communication, Contact, DecisionRole
from rapport.feedback.models import FeedbackChannel
from rapport.feedback.public import respondent_contacts
from rapport.monitoring.models import ActivityStatus, CompletedVia, MethodKind, ScheduledActivity
from rapport.stats import intervals

KEY_ROLES = (DecisionRole.DECISION_MAKER, DecisionRole.INFLUENCER)
# MethodFigures counts that add up across accounts.
SUMMED = (
    "activities",
    "done",
    "on_time",
    "invited",
    "responses_with_invites",
    "responses",
    "activities_with_responses",
    "key_people",
    "reached",
)
DEFAULT_DAYS = 180


@dataclass(frozen=True, slots=True)
class ActionShare:
    feedback: int  # pieces of feedback the method brought in
    led_to_action: int


# The method whose feedback arrives through each feedback channel (the feedback a method
# "brought in" for the share that led to an action). Review sites and social media are no
# method's: nobody in the plan gathers them.
CHANNEL_METHODS: dict[str, str] = {
    FeedbackChannel.SURVEY: MethodKind.SURVEY_WAVE,
    FeedbackChannel.BUSINESS_REVIEW: MethodKind.BUSINESS_REVIEW,
    FeedbackChannel.CALL: MethodKind.ACCOUNT_CALL,
    FeedbackChannel.EMAIL: MethodKind.INFORMAL_CONTACT,
    FeedbackChannel.INFORMAL_NOTE: MethodKind.INFORMAL_CONTACT,
    FeedbackChannel.COMPLAINT: MethodKind.COMPLAINT_ANALYSIS,
    FeedbackChannel.MYSTERY_SHOP: MethodKind.MYSTERY_SHOPPING,
    FeedbackChannel.STAFF: MethodKind.STAFF_FEEDBACK,
}

# Filled by the actions app: given accounts and a window, the feedback per (account, method
# kind) and how much of it led to an action. Several providers add up.
ActionShareProvider = Callable[[set[int], datetime, datetime], dict[tuple[int, str], ActionShare]]
ACTION_SHARE_PROVIDERS: list[ActionShareProvider] = []


def register_action_share_provider(provider: ActionShareProvider) -> None:
    if provider not in ACTION_SHARE_PROVIDERS:
        ACTION_SHARE_PROVIDERS.append(provider)


@dataclass
class MethodFigures:
    kind: str
    accounts: set[int] = field(default_factory=set)
    activities: int = 0  # fell due or done in the window
    done: int = 0
    on_time: int = 0
    invited: int = 0
    responses_with_invites: int = 0
    responses: int = 0
    activities_with_responses: int = 0
    cost: dict[str, Decimal] = field(default_factory=dict)
    key_people: int = 0
    reached: int = 0
    action: ActionShare | None = None

    @property
    def label(self) -> str:
        return str(MethodKind(self.kind).label)

    @property
    def timeliness(self) -> intervals.Estimate | None:
        return intervals.wilson(self.on_time, self.activities) if self.activities else None

    @property
    def response_rate(self) -> intervals.Estimate | None:
        if self.invited:
            return intervals.wilson(min(self.responses_with_invites, self.invited), self.invited)
        return None

    @property
    def responses_per_activity(self) -> float | None:
        if self.activities_with_responses:
            return self.responses / self.activities_with_responses
        return None

    @property
    def coverage(self) -> intervals.Estimate | None:
        return intervals.wilson(self.reached, self.key_people) if self.key_people else None

    @property
    def cost_text(self) -> str:
        if not self.cost:
            return "no cost recorded"
        return ", ".join(formats.money(v, c) for c, v in sorted(self.cost.items()))

    @property
    def reached_per_thousand(self) -> float | None:
        """Decision makers and influencers reached per 1,000 of cost (one currency only)."""
        if len(self.cost) != 1:
            return None
        amount = next(iter(self.cost.values()))
        return float(self.reached) * 1000 / float(amount) if amount else None

    @property
    def action_text(self) -> str:
        if self.action is None:
            return "not yet measured"
        if not self.action.feedback:
            return "no feedback yet"
        done, total = self.action.led_to_action, self.action.feedback
        return f"{formats.number(done / total * 100)} % ({done} of {total})"


@dataclass(frozen=True)
class Evaluation:
    start: datetime
    end: datetime
    days: int
    per_account: dict[tuple[int, str], MethodFigures]
    per_method: dict[str, MethodFigures]

    def for_account(self, account_id: int) -> list[MethodFigures]:
        return sorted(
            (f for (a, _k), f in self.per_account.items() if a == account_id),
            key=lambda f: f.label,
        )

    def ranked(self) -> list[MethodFigures]:
        """Methods by key people reached per cost, the cheapest coverage first."""
        return sorted(
            self.per_method.values(),
            key=lambda f: (
                -(f.reached_per_thousand or -1),
                -(f.coverage.value if f.coverage else 0),
            ),
        )

    @property
    def advice(self) -> str:
        ranked = [f for f in self.ranked() if f.reached_per_thousand]
        if not ranked:
            return "No method has reached a decision maker or influencer at a recorded cost yet."
        best = ranked[0]
        return (
            f"{best.label} reached the most decision makers and influencers for its cost "
            f"({formats.number(best.reached_per_thousand or 0, 1)} per 1,000 spent)."
        )


def _reached_by_communications(
    activities: Iterable[tuple[int, str, str]], key_people: dict[int, int]
) -> dict[tuple[int, str], set[int]]:
    """Key people who took part in the communications that completed activities (one query)."""
    by_comm: dict[int, tuple[int, str]] = {}
    for account_id, kind, ref in activities:
        if ref.startswith("communication "):
            by_comm[int(ref.split(" ", 1)[1])] = (account_id, kind)
    reached: dict[tuple[int, str], set[int]] = defaultdict(set)
    rows = Communication.contacts.through.objects.filter(
        communication_id__in=list(by_comm)
    ).values_list("communication_id", "contact_id")
    for communication_id, contact_id in rows:
        if contact_id in key_people:
            reached[by_comm[communication_id]].add(contact_id)
    return reached


def evaluate_methods(
    *, accounts: QuerySet[Account], days: int = DEFAULT_DAYS, now: datetime | None = None
) -> Evaluation:
    """The figures of every method used on the accounts in the last `days` (6 queries, and
    what each registered action-share provider makes: one for actions)."""
    end = now or timezone.now()
    start = end - timedelta(days=days)
    account_ids = set(accounts.values_list("pk", flat=True))
    counted = (
        ScheduledActivity.objects.filter(
            account_id__in=account_ids, due_at__gte=start, due_at__lt=end
        )
        .exclude(status=ActivityStatus.CANCELLED)
        .filter(Q(status=ActivityStatus.DONE) | Q(late_after__lte=end))
    )
    rows = counted.values("account_id", "kind", "method__currency").annotate(
        activities=Count("pk"),
        done=Count("pk", filter=Q(status=ActivityStatus.DONE)),
        on_time=Count("pk", filter=Q(status=ActivityStatus.DONE, done_on_time=True)),
        sum_invited=Sum("invited", filter=Q(invited__isnull=False, responses__isnull=False)),
        sum_answered=Sum("responses", filter=Q(invited__isnull=False, responses__isnull=False)),
        sum_responses=Sum("responses", filter=Q(responses__isnull=False)),
        with_responses=Count("pk", filter=Q(responses__isnull=False)),
        sum_cost=Sum("method__cost", filter=Q(status=ActivityStatus.DONE)),
    )
    key_people = dict(
        Contact.objects.filter(account_id__in=account_ids, decision_role__in=KEY_ROLES).values_list(
            "pk", "account_id"
        )
    )
    key_count: dict[int, int] = defaultdict(int)
    for account_id in key_people.values():
        key_count[account_id] += 1
    per_account: dict[tuple[int, str], MethodFigures] = {}
    for row in rows:
        key = (row["account_id"], row["kind"])
        figures = per_account.setdefault(key, MethodFigures(kind=row["kind"]))
        figures.accounts.add(row["account_id"])
        figures.activities += row["activities"]
        figures.done += row["done"]
        figures.on_time += row["on_time"]
        figures.invited += row["sum_invited"] or 0
        figures.responses_with_invites += row["sum_answered"] or 0
        figures.responses += row["sum_responses"] or 0
        figures.activities_with_responses += row["with_responses"]
        if row["sum_cost"]:
            currency = row["method__currency"]
            figures.cost[currency] = figures.cost.get(currency, Decimal(0)) + row["sum_cost"]
        figures.key_people = key_count.get(row["account_id"], 0)
    done_refs = counted.filter(
        status=ActivityStatus.DONE, completed_via=CompletedVia.COMMUNICATION
    ).values_list("account_id", "kind", "source_ref")
    reached = _reached_by_communications(done_refs, key_people)
    respondents = respondent_contacts(account_ids=account_ids, since=start)
    for contact_id in respondents & set(key_people):
        reached[(key_people[contact_id], MethodKind.SURVEY_WAVE)].add(contact_id)
    for key, people in reached.items():
        if key in per_account:
            per_account[key].reached = len(people)
    shares: dict[tuple[int, str], ActionShare] = {}
    for provider in ACTION_SHARE_PROVIDERS:
        for key, share in provider(account_ids, start, end).items():
            old = shares.get(key, ActionShare(0, 0))
            shares[key] = ActionShare(
                old.feedback + share.feedback, old.led_to_action + share.led_to_action
            )
    per_method: dict[str, MethodFigures] = {}
    for (_account_id, kind), figures in per_account.items():
        if ACTION_SHARE_PROVIDERS:
            figures.action = shares.get((_account_id, kind), ActionShare(0, 0))
        total = per_method.setdefault(kind, MethodFigures(kind=kind))
        total.accounts |= figures.accounts
        for name in SUMMED:
            setattr(total, name, getattr(total, name) + getattr(figures, name))
        for currency, amount in figures.cost.items():
            total.cost[currency] = total.cost.get(currency, Decimal(0)) + amount
        if figures.action is not None:
            before = total.action or ActionShare(0, 0)
            total.action = ActionShare(
                before.feedback + figures.action.feedback,
                before.led_to_action + figures.action.led_to_action,
            )
    return Evaluation(
        start=start, end=end, days=days, per_account=per_account, per_method=per_method
    )
