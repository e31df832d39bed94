"""Demo report definitions: for the key accounts of the demo user's teams, a quarterly QBR pack
for the customer (approved by the account owner) and one for the account team; a monthly
executive portfolio summary per team. One run of the biggest account's pack is queued for the
worker (generating it takes a few seconds that the demo load does not wait for)."""

from __future__ import annotations

from typing import TextIO

from rapport.core.models import Membership, Role, User
from rapport.customers.models import Account, Tier
from rapport.reports import services
from rapport.sampledata.plan import DEMO_USERNAME

QBR = "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1;BYHOUR=7"
MONTHLY = "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7"
KEY_ACCOUNTS = 3  # per team, by annual value


def load_reports(*, stdout: TextIO) -> None:
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is None:
        return
    teams = Membership.objects.filter(user=user, role__in=[Role.MANAGER, Role.ADMIN]).values_list(
        "team_id", flat=True
    )
    first_run = None
    created = 0
    for team_id in sorted(teams):
        services.create_definition(
            actor=user,
            team_id=team_id,
            fields={
                "name": "Monthly executive portfolio summary",
                "report_type": "portfolio_summary",
                "audience": "executive",
                "frequency_source": "own",
                "recurrence": MONTHLY,
                "period_months": 1,
                "formats": ["web", "pdf", "xlsx", "email"],
            },
            related={"recipients": [user.pk]},
            via="demo",
        )
        created += 1
        key = Account.objects.filter(
            team_id=team_id, tier=Tier.STRATEGIC, owner__isnull=False
        ).order_by("-annual_value", "pk")[:KEY_ACCOUNTS]
        for account in key:
            contact = account.contacts.exclude(email="").order_by("decision_role", "pk").first()
            services.create_definition(
                actor=user,
                team_id=team_id,
                fields={
                    "name": f"Quarterly business review: {account.name}",
                    "report_type": "account_review_pack",
                    "audience": "customer",
                    "frequency_source": "own",
                    "recurrence": QBR,
                    "formats": ["web", "pdf", "xlsx", "email"],
                },
                related={
                    "accounts": [account.pk],
                    "recipients": [user.pk],
                    "contact_recipients": [contact.pk] if contact else [],
                },
                via="demo",
            )
            internal = services.create_definition(
                actor=user,
                team_id=team_id,
                fields={
                    "name": f"Account team review pack: {account.name}",
                    "report_type": "account_review_pack",
                    "audience": "account_team",
                    "formats": ["web", "pdf", "xlsx", "csv"],
                },
                related={"accounts": [account.pk], "recipients": [user.pk]},
                via="demo",
            )
            created += 2
            first_run = first_run or internal
    if first_run is not None:
        services.queue_run(actor=user, definition=first_run, via="demo")
    stdout.write(f"  {created} report definitions, one run queued for the worker\n")
