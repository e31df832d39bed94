"""Plans built through the services, as a key-account manager would."""

from __future__ import annotations

from datetime import datetime

from rapport.customers.models import Contact
from rapport.monitoring import services
from rapport.monitoring.models import Kpi, PlanMethod, PlanReport, PlanVersion
from tests.factories import ContactFactory


def draft_plan(world, *, owner=None) -> PlanVersion:
    """A first draft of the world's account with a monthly call, a quarterly survey wave, a
    CSAT KPI and a customer report."""
    owner = owner or world.user
    version = services.start_plan(actor=world.user, account=world.account, use_template=False)
    services.update_draft(
        actor=world.user,
        version=version,
        changes={
            "objectives": "Keep the sponsor's confidence through the migration.",
            "internal_notes": "SECRET-NOTE: margin is thin, watch hours.",
            "target_margin_percent": 12.5,
        },
    )
    services.add_item(
        actor=world.user,
        version=version,
        model=PlanMethod,
        data={
            "kind": "account_call",
            "title": "Monthly sponsor call",
            "recurrence": "FREQ=MONTHLY;BYMONTHDAY=1",
            "owner": owner,
            "cost": 150,
            "technology": "Teams",
        },
    )
    services.add_item(
        actor=world.user,
        version=version,
        model=PlanMethod,
        data={
            "kind": "survey_wave",
            "title": "CSAT wave",
            "recurrence": "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1",
            "owner": owner,
            "cost": 987654,
        },
    )
    services.add_item(
        actor=world.user,
        version=version,
        model=Kpi,
        data={"metric": "csat", "target": 85.0, "tolerance": 3.0},
    )
    services.add_item(
        actor=world.user,
        version=version,
        model=PlanReport,
        data={
            "report_type": "account_review_pack",
            "audience": "customer",
            "recurrence": "FREQ=MONTHLY;INTERVAL=3",
        },
    )
    return version


def sponsor(world) -> Contact:
    return ContactFactory(account=world.account, name="Dana Sponsor")


def agree(world, version: PlanVersion, *, at: datetime | None = None, contact=None) -> PlanVersion:
    services.propose(actor=world.user, version=version)
    services.agree(
        actor=world.user,
        version=version,
        agreed_with=contact or sponsor(world),
        agreed_at=at,
        evidence_reference="Minutes QBR-2026-10",
    )
    version.refresh_from_db()
    return version
