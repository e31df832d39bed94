"""Demo actions: per team open, in-progress, overdue and escalated, done (on time and late) with
the customer told and the effect measured, cancelled; ideas new, accepted and declined; a team
action plan; and a personal plan the demo manager agreed with an account manager.

Written as rows with dates in the past (the services stamp "now"), deterministic from the seed;
a few dozen rows, so it adds well under a second to the demo."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db.models import Sum

from rapport.actions import baseline as baselines
from rapport.actions.models import (
    Action,
    ActionEvent,
    Escalation,
    Idea,
    LoopClosure,
    PersonalGoal,
    PersonalPlan,
    PlanReview,
    TeamActionPlan,
)
from rapport.actions.services import _escalation_due, end_of_day
from rapport.analytics.models import MetricRollup
from rapport.core.dates import organisation_zone
from rapport.core.models import Membership, Role, Team, User
from rapport.customers.models import Account, Communication, Contact
from rapport.customers.services import refresh_contact_recency
from rapport.sampledata.generate import incidents_for
from rapport.sampledata.plan import DEMO_USERNAME

# (title, description, metric, what the customer is told once it is done).
WORK = (
    ("Fix late deliveries to the regional depots", "Weekly delivery call; slots agreed.", "csat",
     "Deliveries to your depots now arrive in agreed slots, confirmed the day before."),
    ("Answer billing queries within two days", "A named billing contact for the account.",
     "csat", "You have a named billing contact who answers within two working days."),
    ("Win back the sponsor after the outage", "Executive call and a service credit.", "nps",
     "Our director called you; the outage's cause is fixed and a credit is on your invoice."),
    ("Cut repeat calls about order status", "Proactive dispatch e-mails.", "ces",
     "You now get an e-mail when each order is dispatched, so no need to call."),
    ("Quarterly business review with procurement", "Agenda from the SWOT.", "nps",
     "Quarterly reviews now follow the agenda you asked for, with the SLA trend."),
    ("Train the new service desk team", "Two sessions on the account's processes.", "csat",
     "Your service desk contacts were trained on your ordering process."),
    ("Publish the escalation path to the customer", "One page, agreed with their ops lead.",
     "nps", "The escalation path is agreed and published on your portal."),
    ("Review the SLA reporting pack", "Add the missed-order trend.", "csat",
     "The monthly SLA pack now shows the missed-order trend you asked for."),
)  # fmt: skip
IDEAS = (
    "Send a short note after every outage telling customers what we changed.",
    "Let key accounts book delivery slots themselves in the portal.",
    "A monthly call with each decision maker, not only when something goes wrong.",
    "Give agents a checklist for the first call with a new contact.",
)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), organisation_zone())


def write_actions(*, seed: int, today: date) -> int:
    """Write the demo's actions and what follows them; returns the number of actions."""
    rng = random.Random(seed * 1_000 + 12)
    demo = User.objects.get(username=DEMO_USERNAME)
    written = 0
    for team in Team.objects.order_by("pk"):
        members = list(
            Membership.objects.filter(team=team, user__is_active=True).select_related("user")
        )
        by_role: dict[str, list[User]] = {}
        for m in members:
            by_role.setdefault(m.role, []).append(m.user)
        managers = [u for u in by_role.get(Role.MANAGER, []) if u.pk != demo.pk]
        owners = by_role.get(Role.ACCOUNT_MANAGER, [])
        if not managers or not owners:
            continue
        manager = managers[0]
        # Who manages whom: staff report to the team's manager, who reports to the demo manager
        # where the demo manager is in the team (escalations then reach the demo user).
        Membership.objects.filter(team=team).exclude(user__in=[manager, demo]).update(
            manager=manager
        )
        if any(m.user_id == demo.pk for m in members):
            Membership.objects.filter(team=team, user=manager).update(manager=demo)
        # The accounts with most CSAT answers, so that effects can be judged.
        volume = dict(
            MetricRollup.objects.filter(account__team=team, period="month", metric="csat")
            .values("account_id")
            .annotate(n=Sum("n"))
            .values_list("account_id", "n")
        )
        ranked = sorted(
            Account.objects.filter(team=team), key=lambda a: (-volume.get(a.pk, 0), a.pk)
        )
        accounts = ranked[:6]
        if not accounts:
            continue
        written += _team_story(rng, team, accounts, owners, manager, demo, today)
        hit = [a for a in ranked if a.segment == DELIVERY_INCIDENT.segment]
        if hit:
            written += _incident_answered(team, hit[0], owners[0], manager, today)
    _personal_plan(demo, today)
    return written


def _action(
    team: Team,
    account: Account | None,
    work: tuple[str, ...],
    owner: User,
    creator: User,
    opened: date,
    due: date,
    severity: str,
    source: str,
    source_ref: str = "",
    **fields: object,
) -> Action:
    title, description, metric = work[:3]
    action = Action.objects.create(
        team=team,
        account=account,
        title=title,
        description=description,
        owner=owner,
        due_on=due,
        severity=severity,
        source_kind=source,
        source_ref=source_ref,
        metric=metric,
        created_by=creator,
        baseline=baselines.snapshot(team=team, account=account, metric=metric, today=opened),
        **fields,
    )
    Action.objects.filter(pk=action.pk).update(created_at=_at(opened, 9))
    action.created_at = _at(opened, 9)
    action.next_due_at = _escalation_due(action)
    Action.objects.filter(pk=action.pk).update(next_due_at=action.next_due_at)
    ActionEvent.objects.create(
        action=action, actor=creator, kind="opened", text=f"Opened, due {due:%d %b %Y}"
    )
    ActionEvent.objects.filter(action=action).update(at=_at(opened, 9))
    return action


def _close(action: Action, owner: User, closed: date, outcome: str) -> None:
    Action.objects.filter(pk=action.pk).update(
        status="done",
        outcome=outcome,
        started_at=_at(closed - timedelta(days=3)),
        closed_at=_at(closed, 16),
        closed_on=closed,
        next_due_at=None,
    )
    event = ActionEvent.objects.create(
        action=action, actor=owner, kind="status", text=f"Now done: {outcome}"
    )
    ActionEvent.objects.filter(pk=event.pk).update(at=_at(closed, 16))


def _tell(action: Action, owner: User, told: date, what: str) -> None:
    account = action.account
    assert account is not None
    contacts = list(
        Contact.objects.filter(account=account, decision_role="decision_maker").order_by("pk")[:2]
    )
    communication = Communication.objects.create(
        account=account,
        channel="call",
        direction="outbound",
        occurred_at=_at(told, 11),
        logged_by=owner,
        summary=f"Told the customer what changed ({action.title}): {what}",
    )
    communication.contacts.set(contacts)
    closure = LoopClosure.objects.create(
        action=action,
        team_id=action.team_id,
        account=account,
        told_what=what,
        told_at=_at(told, 11),
        told_by=owner,
        channel="call",
        communication=communication,
    )
    closure.contacts.set(contacts)
    event = ActionEvent.objects.create(
        action=action, actor=owner, kind="loop_closed", text=f"Customer told: {what}"
    )
    ActionEvent.objects.filter(pk=event.pk).update(at=_at(told, 11))
    refresh_contact_recency(account)


def _escalate(action: Action, level: int, to: User, on: date) -> None:
    days = (on - action.due_on).days
    Escalation.objects.create(
        action=action,
        team_id=action.team_id,
        level=level,
        to_user=to,
        at=end_of_day(on - timedelta(days=1)),
        reason=f"Not done {days} days after its due date {action.due_on:%d %b %Y}",
    )
    event = ActionEvent.objects.create(
        action=action, kind="escalated", text=f"Escalated (level {level}) to {to}"
    )
    ActionEvent.objects.filter(pk=event.pk).update(at=end_of_day(on - timedelta(days=1)))
    Action.objects.filter(pk=action.pk).update(escalation_level=level)
    action.escalation_level = level
    Action.objects.filter(pk=action.pk).update(next_due_at=_escalation_due(action))


# The demo's delivery incident (sampledata.generate): an action answered it, and the customer
# was told; its after-period is complete, so the page shows a significant improvement.
DELIVERY_INCIDENT = incidents_for(date(2026, 1, 1))[0]


def _incident_answered(
    team: Team, account: Account, owner: User, manager: User, today: date
) -> int:
    incident = next(i for i in incidents_for(today) if i.theme == DELIVERY_INCIDENT.theme)
    opened = incident.end  # when the control chart's episode was plain
    work = (
        f"Stop the {incident.label.lower()}",
        "Second carrier on the depot routes; delivery slots confirmed the day before.",
        "csat",
    )
    action = _action(
        team, account, work, owner, manager, opened, opened + timedelta(days=2), "critical",
        "alert", source_ref=incident.label,
    )  # fmt: skip
    _close(action, owner, opened + timedelta(days=4), "Second carrier live on all depot routes.")
    _tell(
        action,
        owner,
        opened + timedelta(days=7),
        "A second carrier now serves your depot routes and each delivery slot is confirmed "
        "the day before.",
    )
    return 1


def _team_story(
    rng: random.Random,
    team: Team,
    accounts: list[Account],
    owners: list[User],
    manager: User,
    demo: User,
    today: date,
) -> int:
    work = list(WORK)
    rng.shuffle(work)

    def pick(i: int) -> Account:
        return accounts[i % len(accounts)]

    def owner(i: int) -> User:
        return owners[i % len(owners)]

    plan = TeamActionPlan.objects.create(
        team=team,
        title=f"{team.name}: this quarter's service plan",
        objective="Bring CSAT back above target on the largest accounts and tell each customer "
        "what changed.",
        period_start=today - timedelta(days=45),
        period_end=today + timedelta(days=45),
        created_by=manager,
    )
    # Open, due soon, from a SWOT line; in progress from a theme that moved.
    _action(
        team,
        pick(0),
        work[0],
        owner(0),
        manager,
        today - timedelta(days=4),
        today + timedelta(days=6),
        "high",
        "swot",
        plan=plan,
        source_ref="weakness",
    )
    _action(
        team,
        pick(1),
        work[1],
        owner(1),
        manager,
        today - timedelta(days=8),
        today + timedelta(days=2),
        "medium",
        "theme",
        plan=plan,
        source_ref="billing",
        status="in_progress",
        started_at=_at(today - timedelta(days=2)),
    )
    # Overdue and escalated to the team's manager; older, escalated again to the demo manager.
    late = _action(
        team,
        pick(2),
        work[2],
        owner(2),
        manager,
        today - timedelta(days=9),
        today - timedelta(days=3),
        "critical",
        "alert",
        source_ref="demo",
    )
    _escalate(late, 1, manager, today - timedelta(days=2))
    later = _action(
        team,
        pick(3),
        work[3],
        owner(0),
        manager,
        today - timedelta(days=30),
        today - timedelta(days=10),
        "medium",
        "manual",
    )
    _escalate(later, 1, manager, today - timedelta(days=9))
    _escalate(later, 2, demo, today - timedelta(days=6))
    # Done on time long enough ago that the after-period is complete, and the customer told.
    done = _action(
        team,
        pick(0),
        work[4],
        owner(0),
        manager,
        today - timedelta(days=130),
        today - timedelta(days=110),
        "high",
        "swot",
        plan=plan,
    )
    _close(done, owner(0), today - timedelta(days=112), "Agreed the new review agenda.")
    _tell(done, owner(0), today - timedelta(days=108), work[4][3])
    # Done late more recently: the after-period is still running.
    recent = _action(
        team,
        pick(1),
        work[5],
        owner(1),
        manager,
        today - timedelta(days=40),
        today - timedelta(days=25),
        "medium",
        "theme",
        plan=plan,
    )
    _close(recent, owner(1), today - timedelta(days=20), "Both sessions held.")
    _tell(recent, owner(1), today - timedelta(days=18), work[5][3])
    cancelled = _action(
        team,
        None,
        work[6],
        owner(2),
        manager,
        today - timedelta(days=20),
        today + timedelta(days=10),
        "low",
        "manual",
    )
    Action.objects.filter(pk=cancelled.pk).update(
        status="cancelled", closed_at=_at(today - timedelta(days=5)),
        closed_on=today - timedelta(days=5), next_due_at=None,
    )  # fmt: skip
    # Ideas: one accepted as an action, one declined, two new.
    agents = list(User.objects.filter(memberships__team=team, memberships__role=Role.AGENT))
    author = agents[0] if agents else owner(0)
    idea_work = ("Tell customers what we changed after each outage", IDEAS[0], "nps")
    accepted_action = _action(team, pick(4), idea_work, owner(1), manager,
                              today - timedelta(days=12), today + timedelta(days=8),
                              "medium", "idea")  # fmt: skip
    accepted = Idea.objects.create(
        team=team, text=IDEAS[0], metric="nps", author=author, status="accepted",
        decided_by=manager, decided_at=_at(today - timedelta(days=12)), action=accepted_action,
    )  # fmt: skip
    Action.objects.filter(pk=accepted_action.pk).update(source_ref=str(accepted.pk))
    Idea.objects.create(
        team=team, text=IDEAS[1], author=author, status="declined", decided_by=manager,
        decided_at=_at(today - timedelta(days=6)),
        decline_reason="The portal work is booked for next year; we will revisit it then.",
    )  # fmt: skip
    for text in IDEAS[2:]:
        Idea.objects.create(team=team, text=text, author=rng.choice([author, *owners]))
    return 8


def _personal_plan(demo: User, today: date) -> None:
    """The demo manager's plan with an account manager of their first team, signed by both."""
    membership = (
        Membership.objects.filter(
            role=Role.ACCOUNT_MANAGER, team__memberships__user=demo, user__is_active=True
        )
        .select_related("user", "team")
        .order_by("team__pk", "user__pk")
        .first()
    )
    if membership is None:
        return
    plan = PersonalPlan.objects.create(
        team=membership.team,
        person=membership.user,
        manager=demo,
        title="Grow as a key-account lead",
        period_start=today - timedelta(days=60),
        period_end=today + timedelta(days=120),
        person_agreed_at=_at(today - timedelta(days=58)),
        manager_agreed_at=_at(today - timedelta(days=57)),
    )
    goals = (
        ("Run a business review with each of your accounts", -10, "achieved"),
        ("Reach every decision maker at least once a quarter", 30, "open"),
        ("Close the loop with the customer on every action you own", 90, "open"),
    )
    for goal, days, status in goals:
        due = today + timedelta(days=days)
        PersonalGoal.objects.create(
            plan=plan,
            goal=goal,
            due_on=due,
            status=status,
            achieved_on=due if status == "achieved" else None,
        )
    PlanReview.objects.create(
        plan=plan,
        by=demo,
        note="Reviews done on time; decision-maker contact is the next thing to work on.",
    )
