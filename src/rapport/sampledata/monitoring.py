"""Sample monitoring plans: a template per tier, an agreed plan for every strategic and key
account (some with a superseded older version and the customer's change request it took in,
one with a draft in progress), and their activities: done on time, done late, overdue, missed.

Written through the monitoring services (access, audit, schedule generation), then the past
activities are marked done in bulk, deterministically from the seed.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from rapport.core.models import User
from rapport.customers.models import Account, Communication, Contact, DecisionRole, Tier
from rapport.monitoring import services
from rapport.monitoring.models import (
    ActivityStatus,
    CompletedVia,
    Kpi,
    PlanMethod,
    PlanReport,
    ScheduledActivity,
)
from rapport.monitoring.recurrence import organisation_zone
from rapport.monitoring.scheduling import CHANNEL_KINDS, EARLY_WINDOW

_REVIEW = {
    "kind": "business_review",
    "title": "Quarterly business review",
    "formal": True,
    "recurrence": "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15",
    "on_time_days": 7,
    "technology": "Meeting room or Teams; review pack",
    "cost": "1800",
}
_CALL = {
    "kind": "account_call",
    "title": "Sponsor call",
    "formal": True,
    "recurrence": "FREQ=MONTHLY;BYDAY=1TU",
    "on_time_days": 3,
    "technology": "Teams",
    "cost": "150",
}
_WAVE = {
    "kind": "survey_wave",
    "title": "CSAT and NPS survey wave",
    "formal": True,
    "recurrence": "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1",
    "on_time_days": 10,
    "technology": "Survey platform; contact list from the CRM",
    "cost": "900",
}
_COMPLAINTS = {
    "kind": "complaint_analysis",
    "title": "Complaint review",
    "formal": True,
    "recurrence": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "on_time_days": 5,
    "technology": "Complaint log export",
    "cost": "250",
}
_INFORMAL = {
    "kind": "informal_contact",
    "title": "Informal check-in",
    "formal": False,
    "recurrence": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
    "on_time_days": 2,
    "technology": "Phone",
    "cost": "40",
}
_QA = {
    "kind": "qa_sampling",
    "title": "QA sample of service calls",
    "formal": True,
    "recurrence": "FREQ=MONTHLY;BYMONTHDAY=10",
    "on_time_days": 5,
    "technology": "Call recordings; QA scorecard",
    "cost": "300",
}
_RESEARCH = {"kind": "independent_research", "title": "Independent relationship study",
             "formal": True, "recurrence": "FREQ=YEARLY", "on_time_days": 30,
             "technology": "Research agency", "cost": "12000"}  # fmt: skip
_REPORTS = [
    {"report_type": "account_review_pack", "audience": "customer",
     "recurrence": "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15"},
    {"report_type": "variance_report", "audience": "internal_executive",
     "recurrence": "FREQ=MONTHLY;BYMONTHDAY=5"},
    {"report_type": "monitoring_adherence", "audience": "account_team",
     "recurrence": "FREQ=MONTHLY;BYMONTHDAY=5"},
]  # fmt: skip

TEMPLATES: dict[str, dict[str, Any]] = {
    Tier.STRATEGIC: {
        "name": "Strategic accounts",
        "objectives": "Know how every decision maker judges the relationship before each "
        "quarterly review; catch a falling score within a month; show the customer what "
        "changed because of what they told us.",
        "information_needs": "How the sponsor and decision makers see our service and their "
        "priorities for the year; causes of complaints; what the front line hears.",
        "quantitative_needs": "CSAT top-2 box and NPS each quarter with their intervals; "
        "complaints per month; adherence to this plan.",
        "communication_plan": "Sponsor call every month, a business review every quarter with "
        "the review pack sent a week before; results of each survey wave shared within two "
        "weeks with what we will do about them.",
        "trigger_criteria": "A control-chart signal, a detractor among the decision makers, "
        "two complaints on one theme in a month, or no decision-maker contact for 60 days "
        "brings forward a sponsor call.",
        "methods": [_REVIEW, _CALL, _WAVE, _COMPLAINTS, _INFORMAL, _QA, _RESEARCH],
        "kpis": [
            {"metric": "csat", "target": 85, "tolerance": 3},
            {"metric": "nps", "target": 40, "tolerance": 8},
        ],
        "reports": _REPORTS,
    },
    Tier.KEY: {
        "name": "Key accounts",
        "objectives": "Hear from the decision makers every quarter and act on what they say.",
        "information_needs": "Satisfaction with delivery and support; upcoming changes on the "
        "customer's side.",
        "quantitative_needs": "CSAT top-2 box and NPS each quarter; adherence to this plan.",
        "communication_plan": "Account call every month, business review every quarter.",
        "trigger_criteria": "A control-chart signal or a detractor among the decision makers.",
        "methods": [_REVIEW, _CALL, _WAVE, _COMPLAINTS],
        "kpis": [
            {"metric": "csat", "target": 82, "tolerance": 4},
            {"metric": "nps", "target": 30, "tolerance": 10},
        ],
        "reports": _REPORTS[:2],
    },
    Tier.GROWTH: {
        "name": "Growth accounts",
        "objectives": "Find out what would make the customer buy more, twice a year.",
        "information_needs": "Unmet needs; satisfaction with onboarding.",
        "quantitative_needs": "CSAT top-2 box twice a year.",
        "communication_plan": "Account call every two months.",
        "trigger_criteria": "A detractor among the respondents.",
        "methods": [
            {**_CALL, "recurrence": "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU"},
            {**_WAVE, "recurrence": "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=1"},
        ],
        "kpis": [{"metric": "csat", "target": 80, "tolerance": 5}],
        "reports": _REPORTS[2:],
    },
    Tier.MAINTAIN: {
        "name": "Maintained accounts",
        "objectives": "Keep the relationship healthy at low cost.",
        "information_needs": "Satisfaction once a year.",
        "quantitative_needs": "CSAT top-2 box once a year.",
        "communication_plan": "A call every quarter.",
        "trigger_criteria": "A complaint.",
        "methods": [
            {**_CALL, "recurrence": "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU"},
            {**_WAVE, "recurrence": "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1"},
        ],
        "kpis": [{"metric": "csat", "target": 78, "tolerance": 5}],
        "reports": [],
    },
}

# Share of past activities done on time and done late; the rest were not done.
ON_TIME, LATE = 0.74, 0.13
CHANGE_REQUEST = "Please make the sponsor call fortnightly while the migration runs."


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=organisation_zone())


def _actor(account: Account, admin: User) -> User:
    return account.owner if account.owner is not None else admin


def _signatory(account: Account) -> Contact | None:
    contacts = list(account.contacts.all())
    for role in (DecisionRole.SPONSOR, DecisionRole.DECISION_MAKER):
        for contact in contacts:
            if contact.decision_role == role:
                return contact
    return contacts[0] if contacts else None


def _agree(actor: User, version: Any, contact: Contact, day: date, reference: str) -> None:
    services.propose(actor=actor, version=version, via="demo")
    services.agree(
        actor=actor,
        version=version,
        agreed_with=contact,
        agreed_at=_at(day),
        evidence_reference=reference,
        via="demo",
    )


def load_monitoring(*, seed: int, today: date) -> dict[str, int]:
    """Templates, plans and activities; returns counts for the loader's summary."""
    rng = random.Random(f"{seed}-monitoring")
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    assert admin is not None, "the sample data has an administrator"
    for tier, template in TEMPLATES.items():
        services.save_template(actor=admin, tier=tier, fields=template, via="demo")
    accounts = list(
        Account.objects.filter(tier__in=[Tier.STRATEGIC, Tier.KEY])
        .select_related("owner")
        .order_by("name")
    )
    plans = 0
    for index, account in enumerate(accounts):
        contact = _signatory(account)
        if contact is None:
            continue
        actor = _actor(account, admin)
        first = services.start_plan(actor=actor, account=account, via="demo")
        services.update_draft(
            actor=actor,
            version=first,
            changes={
                "internal_notes": "Margin under pressure from service hours; keep the "
                "review pack short.",
                "target_margin_percent": 18 + index % 7,
            },
            via="demo",
        )
        started = today - timedelta(days=210 + rng.randrange(30))
        _agree(actor, first, contact, started, f"Minutes of the review, {started:%d %b %Y}")
        plans += 1
        if index % 3 == 0:
            # The customer asked for a change; the new version took it in and was agreed.
            asked = started + timedelta(days=90 + rng.randrange(20))
            request = services.record_change_request(
                actor=actor,
                plan=first.plan,
                requested_by=contact,
                requested_on=asked,
                description=CHANGE_REQUEST,
                via="demo",
            )
            second = services.new_version(
                actor=actor, plan=first.plan, change_requests=[request], via="demo"
            )
            call = second.methods.filter(kind="account_call").first()
            if call is not None:
                services.update_item(
                    actor=actor,
                    item=call,
                    data={"recurrence": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"},
                    via="demo",
                )
            _agree(actor, second, contact, asked + timedelta(days=14), "E-mail of approval")
        if index == 1:
            # A request still open, and a draft under way.
            services.record_change_request(
                actor=actor,
                plan=first.plan,
                requested_by=contact,
                requested_on=today - timedelta(days=6),
                description="Add a mystery-shopping visit to the branches each half-year.",
                via="demo",
            )
            draft = services.new_version(actor=actor, plan=first.plan, via="demo")
            services.add_item(
                actor=actor,
                version=draft,
                model=PlanMethod,
                data={
                    "kind": "mystery_shopping",
                    "title": "Mystery shop of the branches",
                    "recurrence": "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=20",
                    "owner": actor,
                    "cost": 2400,
                },
                via="demo",
            )
    _mark_past(rng, today)
    return {
        "monitoring plans": plans,
        "planned activities": ScheduledActivity.objects.count(),
        "plan KPIs": Kpi.objects.count(),
        "plan reports": PlanReport.objects.count(),
    }


def _mark_past(rng: random.Random, today: date) -> None:
    """Past activities: most done on time, some late, the rest overdue or missed."""
    now = timezone.now()
    missed_before = now - timedelta(days=settings.RAPPORT_MONITORING_MISSED_AFTER_DAYS)
    rows = list(
        ScheduledActivity.objects.filter(status=ActivityStatus.DUE, due_at__lt=now)
        .filter(Q(late_after__lte=now) | Q(due_at__lt=now - timedelta(days=1)))
        .order_by("pk")
    )
    ops = connection.ops
    conversations = _conversations(rows)
    values = []
    for activity in rows:
        draw = rng.random()
        done_at = invited = responses = next_due_at = done_by = on_time = None
        status, via, note, ref = ActivityStatus.DUE, "", "", ""
        held = conversations.pop((activity.account_id, activity.kind, activity.pk), None)
        if held is not None:
            # A conversation logged in its window stands for the activity (as the hook does).
            status, via, done_by = ActivityStatus.DONE, CompletedVia.COMMUNICATION, held[2]
            done_at, ref = held[1], f"communication {held[0]}"
            on_time = done_at < activity.late_after
            note = "Logged conversation."
        elif draw < ON_TIME + LATE:
            late = draw >= ON_TIME
            span = (activity.late_after - activity.due_at).total_seconds()
            offset = span * (1.2 + rng.random()) if late else span * rng.random() * 0.8
            done_at = min(activity.due_at + timedelta(seconds=offset), now)
            status, via, done_by = ActivityStatus.DONE, CompletedVia.MANUAL, activity.owner_id
            on_time = done_at < activity.late_after
            note = "Held late: moved by the customer." if late else "Held as planned."
            if activity.kind == "survey_wave":
                invited = 20 + rng.randrange(30)
                responses = int(invited * (0.2 + rng.random() * 0.4))
        elif activity.late_after < missed_before:
            status = ActivityStatus.MISSED
        else:
            next_due_at = activity.late_after  # the overdue notice is still to go
        values.append(
            (str(status), ops.adapt_datetimefield_value(done_at), done_by, on_time, str(via),
             note, ref, ops.adapt_datetimefield_value(next_due_at), invited, responses,
             activity.pk)
        )  # fmt: skip
    # One statement for all rows (bulk_update's CASE per field costs seconds here).
    table = ScheduledActivity._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET status = %s, done_at = %s, done_by_id = %s, "  # noqa: S608
            "done_on_time = %s, completed_via = %s, note = %s, source_ref = %s, "
            "next_due_at = %s, invited = %s, "
            "responses = %s WHERE id = %s",
            values,
        )


def _conversations(rows: list[ScheduledActivity]) -> dict[tuple[int, str, int], tuple]:
    """For past calls, reviews and check-ins, a sample communication of the same account and
    a matching channel logged from a week before the due time to its on-time limit (one query);
    keyed by (account, kind, activity), each communication used once."""
    kinds = {k for kinds in CHANNEL_KINDS.values() for k in kinds}
    wanted = [a for a in rows if a.kind in kinds]
    if not wanted:
        return {}
    earliest = min(a.due_at for a in wanted) - EARLY_WINDOW
    by_account: dict[int, list[tuple]] = {}
    for row in (
        Communication.objects.filter(
            account_id__in={a.account_id for a in wanted}, occurred_at__gte=earliest
        )
        .order_by("occurred_at", "pk")
        .values_list("account_id", "pk", "occurred_at", "channel", "logged_by_id")
    ):
        by_account.setdefault(row[0], []).append(row)
    found: dict[tuple[int, str, int], tuple] = {}
    used: set[int] = set()
    for activity in sorted(wanted, key=lambda a: a.due_at):
        for _account, pk, occurred_at, channel, logged_by in by_account.get(
            activity.account_id, []
        ):
            if pk in used or activity.kind not in CHANNEL_KINDS.get(channel, ()):
                continue
            if activity.due_at - EARLY_WINDOW <= occurred_at < activity.late_after:
                found[(activity.account_id, activity.kind, activity.pk)] = (
                    pk,
                    occurred_at,
                    logged_by or activity.owner_id,
                )
                used.add(pk)
                break
    return found
