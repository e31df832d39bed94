"""Write a demo plan to the database with bulk inserts, then rebuild rollups and snapshots."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date, datetime
from typing import TextIO, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from rapport.analytics.health.services import refresh_health
from rapport.analytics.models import LoyaltyProposal
from rapport.analytics.rollups.services import rebuild_rollups
from rapport.core.models import AuditAction, AuditEvent, Membership, Team, User
from rapport.customers.models import (
    Account,
    AccountStakeholder,
    Commitment,
    Communication,
    Contact,
    CostEntry,
    Expectation,
    ExternalParty,
)
from rapport.feedback.models import Response
from rapport.notifications.models import DeliveryStatus, EmailDelivery
from rapport.sampledata.actions import write_actions
from rapport.sampledata.agreements import load_agreements
from rapport.sampledata.alerts import load_alerts
from rapport.sampledata.generate import generate
from rapport.sampledata.monitoring import load_monitoring
from rapport.sampledata.notifications import load_notifications
from rapport.sampledata.plan import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    SOURCE_SYSTEM,
    DemoPlan,
)
from rapport.sampledata.reports import load_reports

MARKER_PREFIX = "demo data seed "
BATCH = 2_000
CREDENTIALS = (
    f"username {DEMO_USERNAME}, password {DEMO_PASSWORD}"
    f" (administrator: {ADMIN_USERNAME} / {ADMIN_PASSWORD};"
    f" every other sample user also has the password {DEMO_PASSWORD})"
)

M = TypeVar("M", bound=models.Model)


def marker(seed: int, scale: float = 1.0) -> str:
    """The audit detail that records which dataset was loaded."""
    return f"{MARKER_PREFIX}{seed}" + ("" if scale == 1.0 else f" scale {scale:g}")


def load_demo(
    *, seed: int = 7, stdout: TextIO, scale: float = 1.0, today: date | None = None
) -> str:
    """Load the sample data once; return the sign-in line to show.

    Idempotent: if this seed's data is already there, nothing is written. If the database holds
    anything else (another seed, or real data), it is left alone.
    """
    wanted = marker(seed, scale)
    loaded = AuditEvent.objects.filter(
        action=AuditAction.IMPORT, detail__startswith=MARKER_PREFIX
    ).values_list("detail", flat=True)
    if wanted in loaded:
        stdout.write(f"Sample data (seed {seed}) is already loaded; nothing to do.\n")
        return CREDENTIALS
    plan_usernames = {DEMO_USERNAME, ADMIN_USERNAME}
    other = (
        list(loaded)
        or Account.objects.exists()
        or Response.objects.exists()
        or Team.objects.exists()
        or User.objects.filter(username__in=plan_usernames).exists()
    )
    if other:
        what = f"other sample data ({loaded[0]})" if loaded else "other data"
        stdout.write(f"The database already holds {what}; the sample data was not loaded.\n")
        demo = User.objects.filter(username=DEMO_USERNAME).first()
        return CREDENTIALS if demo and demo.check_password(DEMO_PASSWORD) else "an existing user"

    started = time.perf_counter()
    stdout.write(f"Loading sample data (seed {seed})…\n")
    stdout.flush()
    plan = generate(seed=seed, scale=scale, today=today or timezone.localdate())
    taken = User.objects.filter(username__in=[u.username for u in plan.users])
    if taken.exists():
        stdout.write(
            f"User {taken[0].username!r} already exists; the sample data was not loaded.\n"
        )
        return "an existing user"
    planned = time.perf_counter()
    loading_since = timezone.now()
    with transaction.atomic():
        write_plan(plan)
        read = rebuild_rollups()
        refresh_health()
        load_notifications(seed=seed, demo_username=DEMO_USERNAME)
        load_monitoring(seed=seed, today=today or timezone.localdate())
        write_actions(seed=plan.seed, today=plan.today)
        load_agreements(plan)  # reviews, alternatives, the billing incident and its notices
        # --- alerts --- (last: the rules read everything above, and open actions)
        load_alerts(seed=seed, stdout=stdout)
        _mark_demo_mail_sent(since=loading_since)
    finished = time.perf_counter()
    counts = plan.counts()
    stdout.write(
        "  "
        + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items())
        + f"\n  planned in {planned - started:.1f} s, written and rolled up ({read:,} responses)"
        f" in {finished - planned:.1f} s\n"
    )
    from rapport.enrichment.services import enrich_for_demo

    enrich_for_demo(stdout=stdout)  # comment analysis: themes, sentiment, redaction
    load_reports(stdout=stdout)
    return CREDENTIALS


def _mark_demo_mail_sent(*, since: datetime) -> None:
    """The e-mails the demo's history queued (actions assigned, alerts opened) belong to that
    history: marked sent, so the demo's worker does not mail hundreds of them on its first pass.
    Their inbox lines stay."""
    EmailDelivery.objects.filter(status=DeliveryStatus.QUEUED, created_at__gte=since).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), attempts=1, next_due_at=None
    )


def _bulk(model: type[M], objs: Iterable[M]) -> list[M]:
    return model._default_manager.bulk_create(list(objs), batch_size=BATCH)


def write_plan(plan: DemoPlan) -> None:
    """Insert every record of the plan (caller holds the transaction)."""
    teams = {
        t.slug: t.pk for t in _bulk(Team, (Team(name=t.name, slug=t.slug) for t in plan.teams))
    }
    demo_hash = make_password(DEMO_PASSWORD)
    users = _bulk(
        User,
        (
            User(
                username=u.username,
                first_name=u.first_name,
                last_name=u.last_name,
                email=u.email,
                is_superuser=u.is_superuser,
                is_staff=u.is_superuser,
                password=make_password(ADMIN_PASSWORD)
                if u.username == ADMIN_USERNAME
                else demo_hash,
            )
            for u in plan.users
        ),
    )
    user_ids = {u.username: u.pk for u in users}
    _bulk(
        Membership,
        (
            Membership(user_id=user_ids[u.username], team_id=teams[slug], role=role)
            for u in plan.users
            for slug, role in u.memberships
        ),
    )
    accounts = _bulk(
        Account,
        (
            Account(
                name=a.name,
                external_id=a.external_id,
                tier=a.tier,
                segment=a.segment,
                team_id=teams[a.team],
                owner_id=user_ids[a.owner],
                annual_value=a.annual_value,
                cost_to_serve=a.cost_to_serve,
                currency="GBP",
                renewal_date=a.renewal_date,
                status=a.status,
                last_contact_at=a.last_contact_at,
                last_decision_maker_contact_at=a.last_decision_maker_contact_at,
            )
            for a in plan.accounts
        ),
    )
    account_ids = {a.external_id: a.pk for a in accounts}
    contacts = _bulk(
        Contact,
        (
            Contact(
                account_id=account_ids[c.account],
                name=c.name,
                email=c.email,
                phone=c.phone,
                job_title=c.job_title,
                decision_role=c.decision_role,
                stance=c.stance,
                consent_contact=c.consent_contact,
                consent_survey=c.consent_survey,
                consent_updated_at=c.consent_updated_at,
                external_id=c.external_id,
                last_contacted_at=c.last_contacted_at,
            )
            for c in plan.contacts
        ),
    )
    contact_ids = {c.external_id: c.pk for c in contacts}
    _write_relationship(plan, account_ids, user_ids, contact_ids)
    account_teams = {account_ids[a.external_id]: teams[a.team] for a in plan.accounts}
    _write_responses(plan, account_ids, account_teams, user_ids, contact_ids)
    _write_costs(plan, account_ids, user_ids, teams)
    AuditEvent.objects.create(
        actor_id=user_ids[ADMIN_USERNAME],
        action=AuditAction.IMPORT,
        object_type="sampledata",
        object_id=str(plan.seed),
        changed_fields=[],
        via="cli",
        detail=marker(plan.seed, plan.scale),
    )


def _write_relationship(
    plan: DemoPlan,
    account_ids: dict[str, int],
    user_ids: dict[str, int],
    contact_ids: dict[str, int],
) -> None:
    _bulk(
        AccountStakeholder,
        (
            AccountStakeholder(
                account_id=account_ids[s.account],
                user_id=user_ids[s.username],
                role=s.role,
                since=s.since,
                notes=s.notes,
            )
            for s in plan.stakeholders
        ),
    )
    _bulk(
        ExternalParty,
        (
            ExternalParty(
                account_id=account_ids[p.account],
                name=p.name,
                kind=p.kind,
                contact_name=p.contact_name,
                email=p.email,
                scope=p.scope,
            )
            for p in plan.parties
        ),
    )
    _bulk(
        Expectation,
        (
            Expectation(
                account_id=account_ids[e.account],
                description=e.description,
                source=e.source,
                raised_by_id=contact_ids[e.raised_by] if e.raised_by else None,
                agreed=e.agreed,
                agreed_on=e.agreed_on,
            )
            for e in plan.expectations
        ),
    )
    _bulk(
        Commitment,
        (
            Commitment(
                account_id=account_ids[c.account],
                description=c.description,
                owner_id=user_ids[c.owner],
                due_date=c.due_date,
                status=c.status,
                closed_on=c.closed_on,
            )
            for c in plan.commitments
        ),
    )
    communications = _bulk(
        Communication,
        (
            Communication(
                account_id=account_ids[c.account],
                channel=c.channel,
                direction=c.direction,
                occurred_at=c.occurred_at,
                logged_by_id=user_ids[c.logged_by],
                summary=c.summary,
                follow_up=c.follow_up,
                follow_up_due=c.follow_up_due,
                follow_up_done_on=c.follow_up_done_on,
            )
            for c in plan.communications
        ),
    )
    through = Communication.contacts.through
    _bulk(
        through,
        (
            through(communication_id=comm.pk, contact_id=contact_ids[key])
            for comm, planned in zip(communications, plan.communications, strict=True)
            for key in planned.contacts
        ),
    )


def _write_responses(
    plan: DemoPlan,
    account_ids: dict[str, int],
    account_teams: dict[int, int],
    user_ids: dict[str, int],
    contact_ids: dict[str, int],
) -> None:
    for start in range(0, len(plan.responses), BATCH * 5):
        Response.objects.bulk_create(
            [
                Response(
                    account_id=account_ids[r.account],
                    team_id=account_teams[account_ids[r.account]],
                    channel=r.channel,
                    submitted_at=r.submitted_at,
                    respondent_contact_id=contact_ids[r.contact] if r.contact else None,
                    respondent_user_id=user_ids[r.user] if r.user else None,
                    nps=r.nps,
                    csat=r.csat,
                    ces=r.ces,
                    answers=r.answers,
                    comment=r.comment,
                    source_system=SOURCE_SYSTEM,
                    external_id=r.external_id,
                )
                for r in plan.responses[start : start + BATCH * 5]
            ],
            batch_size=BATCH,
        )


def _write_costs(
    plan: DemoPlan, account_ids: dict[str, int], user_ids: dict[str, int], teams: dict[str, int]
) -> None:
    _bulk(
        CostEntry,
        (
            CostEntry(
                account_id=account_ids[e.account],
                date=e.date,
                kind=e.kind,
                amount=e.amount,
                currency="GBP",
                hours=e.hours,
                note=e.note,
                created_by_id=user_ids[e.created_by],
            )
            for e in plan.cost_entries
        ),
    )
    _bulk(
        LoyaltyProposal,
        (
            LoyaltyProposal(
                team_id=teams[p.team],
                title=p.title,
                description=p.description,
                segment=p.segment,
                status=p.status,
                owner_id=user_ids[p.owner],
                created_by_id=user_ids[p.owner],
            )
            for p in plan.proposals
        ),
    )
