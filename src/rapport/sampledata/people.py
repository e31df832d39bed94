"""Teams, staff, key accounts and the people on the customer's side."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from rapport.sampledata import names
from rapport.sampledata.plan import (
    ADMIN_USERNAME,
    DEMO_USERNAME,
    AccountPlan,
    ContactPlan,
    PartyPlan,
    StakeholderPlan,
    TeamPlan,
    UserPlan,
)

TEAMS = (
    TeamPlan("Enterprise", "enterprise"),
    TeamPlan("Public Sector", "public-sector"),
    TeamPlan("Mid-Market", "mid-market"),
)
DEMO_TEAMS = ("enterprise", "public-sector")  # the demo manager sees two of the three
SEGMENTS = (
    "Retail",
    "Financial services",
    "Healthcare",
    "Logistics",
    "Public sector",
    "Manufacturing",
)
ACCOUNTS_PER_SEGMENT = 10
# 60 accounts: 8 strategic, 18 key, 20 growth, 14 maintain.
TIER_MIX = ("strategic",) * 8 + ("key",) * 18 + ("growth",) * 20 + ("maintain",) * 14
TIER_BASELINE = {"strategic": 0.80, "key": 0.77, "growth": 0.73, "maintain": 0.69}
TIER_VOLUME = {"strategic": 2.0, "key": 1.4, "growth": 0.9, "maintain": 0.6}
TIER_VALUE = {  # annual value range in GBP
    "strategic": (1_500_000, 5_000_000),
    "key": (400_000, 1_500_000),
    "growth": (120_000, 600_000),
    "maintain": (40_000, 200_000),
}
TIER_CONTACTS = {"strategic": 12, "key": 8, "growth": 5, "maintain": 4}
TOTAL_CONTACTS = 400
# Staff per team besides the demo manager: role -> how many.
TEAM_STAFF = (("manager", 1), ("account_manager", 3), ("qa_evaluator", 1), ("agent", 2))
OTHER_ROLES = ("influencer", "user", "sponsor", "gatekeeper")
OTHER_ROLE_WEIGHTS = (30, 45, 12, 13)
STANCES = ("champion", "supporter", "neutral", "critic")


def _name_parts(rng: random.Random, used: set[str]) -> tuple[str, str, str]:
    while True:
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
        username = names.email_local(f"{first} {last}")
        if username not in used:
            used.add(username)
            return first, last, username


def plan_users(rng: random.Random) -> list[UserPlan]:
    """An administrator, the demo manager, an analyst over all teams, and staff per team."""
    used = {DEMO_USERNAME, ADMIN_USERNAME}
    users = [
        UserPlan(
            ADMIN_USERNAME,
            "Alex",
            "Administrator",
            "admin@rapport.example",
            is_superuser=True,
            memberships=(("enterprise", "admin"),),
        ),
        UserPlan(
            DEMO_USERNAME,
            "Morgan",
            "Ellis",
            "demo@rapport.example",
            memberships=tuple((slug, "manager") for slug in DEMO_TEAMS),
        ),
    ]
    first, last, username = _name_parts(rng, used)
    users.append(
        UserPlan(
            username,
            first,
            last,
            f"{username}@rapport.example",
            memberships=tuple((t.slug, "analyst") for t in TEAMS),
        )
    )
    for team in TEAMS:
        for role, count in TEAM_STAFF:
            for _ in range(count):
                first, last, username = _name_parts(rng, used)
                users.append(
                    UserPlan(
                        username,
                        first,
                        last,
                        f"{username}@rapport.example",
                        memberships=((team.slug, role),),
                    )
                )
    return users


def staff_of(users: list[UserPlan], team: str, role: str) -> list[str]:
    return [u.username for u in users if (team, role) in u.memberships]


def _team_for(segment: str, tier: str, name: str) -> str:
    if segment == "Public sector" or (segment == "Healthcare" and "Trust" in name):
        return "public-sector"
    return "enterprise" if tier in ("strategic", "key") else "mid-market"


def plan_accounts(rng: random.Random, users: list[UserPlan], today: date) -> list[AccountPlan]:
    segments = [s for s in SEGMENTS for _ in range(ACCOUNTS_PER_SEGMENT)]
    tiers = list(TIER_MIX)
    rng.shuffle(tiers)
    company = names.company_names(rng, segments)
    order = sorted(range(len(segments)), key=lambda i: company[i])
    owners_used: dict[str, int] = {}
    accounts = []
    for number, i in enumerate(order, start=1):
        segment, tier, name = segments[i], tiers[i], company[i]
        team = _team_for(segment, tier, name)
        managers = staff_of(users, team, "account_manager")
        owner = managers[owners_used.get(team, 0) % len(managers)]
        owners_used[team] = owners_used.get(team, 0) + 1
        low, high = TIER_VALUE[tier]
        value = Decimal(round(rng.uniform(low, high), -3)).quantize(Decimal("0.01"))
        cost = (value * Decimal(str(round(rng.uniform(0.08, 0.35), 3)))).quantize(Decimal("1"))
        renewal = today + timedelta(days=rng.randint(-20, 700))
        status = rng.choices(("active", "onboarding", "at_risk"), (86, 6, 8))[0]
        trend = rng.choice((0.0,) * 7 + (0.08, 0.1, -0.08, -0.1))
        accounts.append(
            AccountPlan(
                external_id=f"KA-{1000 + number}",
                name=name,
                tier=tier,
                segment=segment,
                team=team,
                owner=owner,
                annual_value=value,
                cost_to_serve=cost.quantize(Decimal("0.01")),
                renewal_date=renewal,
                status=status,
                domain=names.domain_for(name, segment),
                baseline=TIER_BASELINE[tier]
                + rng.gauss(0, 0.05)
                - (0.05 if status == "at_risk" else 0),
                trend=trend,
                volume=TIER_VOLUME[tier] * rng.lognormvariate(0, 0.25),
                neglect_dm=False,
            )
        )
    # Some decision makers have not heard from us for 90+ days (the portfolio flags them),
    # at least two of them in teams the demo manager sees.
    demo_visible = [a for a in accounts if a.team in DEMO_TEAMS]
    others = [a for a in accounts if a.team not in DEMO_TEAMS]
    for account in rng.sample(demo_visible, 6) + rng.sample(others, 3):
        account.neglect_dm = True
    return accounts


def _contact_counts(accounts: list[AccountPlan]) -> list[int]:
    """Contacts per account by tier, adjusted so the total is exactly TOTAL_CONTACTS."""
    weights = [TIER_CONTACTS[a.tier] for a in accounts]
    raw = [w * TOTAL_CONTACTS / sum(weights) for w in weights]
    counts = [max(2, int(r)) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (int(raw[i]) - raw[i], i))
    k = 0
    while sum(counts) < TOTAL_CONTACTS:
        counts[by_remainder[k % len(counts)]] += 1
        k += 1
    while sum(counts) > TOTAL_CONTACTS:
        i = max(range(len(counts)), key=lambda j: (counts[j], -j))
        counts[i] -= 1
    return counts


def plan_contacts(
    rng: random.Random, accounts: list[AccountPlan], today: date
) -> list[ContactPlan]:
    contacts = []
    serial = 0
    for account, count in zip(accounts, _contact_counts(accounts), strict=True):
        used: set[str] = set()
        decision_makers = 2 if account.tier in ("strategic", "key") and count >= 8 else 1
        for j in range(count):
            serial += 1
            role = (
                "decision_maker"
                if j < decision_makers
                else rng.choices(OTHER_ROLES, OTHER_ROLE_WEIGHTS)[0]
            )
            while True:
                name = names.person_name(rng)
                if name not in used:
                    used.add(name)
                    break
            mood = account.baseline + rng.gauss(0, 0.08)
            stance = STANCES[0 if mood > 0.86 else 1 if mood > 0.76 else 2 if mood > 0.66 else 3]
            consent_at = datetime(today.year, 1, 1, 9, tzinfo=UTC) - timedelta(
                days=rng.randint(30, 900)
            )
            contacts.append(
                ContactPlan(
                    account=account.external_id,
                    external_id=f"C-{serial:04d}",
                    name=name,
                    email=f"{names.email_local(name)}@{account.domain}",
                    phone=names.uk_phone(rng),
                    job_title=rng.choice(names.JOB_TITLES[role]),
                    decision_role=role,
                    stance=stance,
                    consent_contact=rng.random() < 0.96,
                    consent_survey=rng.random() < 0.85,
                    consent_updated_at=consent_at,
                )
            )
    return contacts


def plan_stakeholders(
    rng: random.Random, accounts: list[AccountPlan], users: list[UserPlan], today: date
) -> list[StakeholderPlan]:
    result = []
    for account in accounts:
        since = today - timedelta(days=rng.randint(90, 1400))
        result.append(StakeholderPlan(account.external_id, account.owner, "account_manager", since))
        if account.tier in ("strategic", "key"):
            manager = staff_of(users, account.team, "manager")[0]
            result.append(StakeholderPlan(account.external_id, manager, "executive_sponsor", since))
        agent = rng.choice(staff_of(users, account.team, "agent"))
        result.append(
            StakeholderPlan(account.external_id, agent, "support", since, "First-line support")
        )
        if account.tier == "strategic":
            qa = staff_of(users, account.team, "qa_evaluator")[0]
            result.append(StakeholderPlan(account.external_id, qa, "qa_lead", since))
            lead = rng.choice(
                [u for u in staff_of(users, account.team, "account_manager") if u != account.owner]
            )
            result.append(
                StakeholderPlan(
                    account.external_id,
                    lead,
                    "service_lead",
                    since,
                    "Runs the monthly service review",
                )
            )
    return result


def plan_parties(rng: random.Random, accounts: list[AccountPlan]) -> list[PartyPlan]:
    result = []
    for account in accounts:
        if account.tier in ("strategic", "key") and rng.random() < 0.45:
            for name, kind, scope in rng.sample(names.EXTERNAL_PARTIES, rng.randint(1, 2)):
                person = names.person_name(rng)
                domain = "".join(ch for ch in name.lower() if ch.isalpha())[:16] + ".example"
                result.append(
                    PartyPlan(
                        account.external_id,
                        name,
                        kind,
                        person,
                        f"{names.email_local(person)}@{domain}",
                        scope,
                    )
                )
    return result
