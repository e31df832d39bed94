"""The demo plan, checked in memory (no database): counts, determinism, shape of the data."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import date, timedelta

import numpy as np
import pytest

from rapport.sampledata import comments
from rapport.sampledata.generate import generate
from rapport.sampledata.plan import CUSTOM_ANSWER, DemoPlan, planned_response_count

TODAY = date(2026, 11, 24)
ROLES = {"admin", "manager", "account_manager", "qa_evaluator", "agent", "analyst"}


@pytest.fixture(scope="module")
def full() -> DemoPlan:
    return generate(seed=7, scale=1.0, today=TODAY)


def digest(plan: DemoPlan) -> str:
    h = hashlib.sha256()
    for records in (
        plan.users, plan.accounts, plan.contacts, plan.stakeholders, plan.parties,
        plan.expectations, plan.commitments, plan.communications, plan.responses,
    ):  # fmt: skip
        for record in records:
            h.update(repr(record).encode())
    return h.hexdigest()


def test_same_seed_same_plan_and_other_seed_differs() -> None:
    a = generate(seed=11, scale=0.05, today=TODAY)
    b = generate(seed=11, scale=0.05, today=TODAY)
    c = generate(seed=12, scale=0.05, today=TODAY)
    assert digest(a) == digest(b)
    assert digest(a) != digest(c)


def test_full_scale_counts(full: DemoPlan) -> None:
    counts = full.counts()
    assert counts["teams"] >= 3
    assert counts["accounts"] == 60
    assert counts["contacts"] == 400
    assert counts["responses"] >= 50_000
    assert planned_response_count(1.0) == counts["responses"]
    assert counts["external_parties"] > 0
    assert counts["stakeholders"] >= counts["accounts"]
    assert counts["communications"] > 1_000


def test_users_cover_every_role_and_demo_manager_sees_two_teams(full: DemoPlan) -> None:
    roles = {role for u in full.users for _, role in u.memberships}
    assert roles == ROLES
    demo = next(u for u in full.users if u.username == "demo")
    assert len(demo.memberships) == 2 < len(full.teams)
    assert {role for _, role in demo.memberships} == {"manager"}
    admin = next(u for u in full.users if u.username == "admin")
    assert admin.is_superuser
    assert len({u.username for u in full.users}) == len(full.users)


def test_accounts_span_tiers_segments_and_values(full: DemoPlan) -> None:
    assert {a.tier for a in full.accounts} == {"strategic", "key", "growth", "maintain"}
    assert len({a.segment for a in full.accounts}) == 6
    assert len({a.name for a in full.accounts}) == 60
    assert all(0 < a.cost_to_serve < a.annual_value for a in full.accounts)
    assert all(a.renewal_date is not None for a in full.accounts)
    assert any(a.trend > 0 for a in full.accounts)
    assert any(a.trend < 0 for a in full.accounts)
    by_team = Counter(a.team for a in full.accounts)
    assert len(by_team) == 3


def test_every_account_has_a_decision_maker(full: DemoPlan) -> None:
    makers = {c.account for c in full.contacts if c.decision_role == "decision_maker"}
    assert makers == {a.external_id for a in full.accounts}
    assert all(c.email and c.phone and c.job_title for c in full.contacts)


def test_some_decision_makers_not_contacted_for_90_days(full: DemoPlan) -> None:
    def days_since(a):  # type: ignore[no-untyped-def]
        return (TODAY - a.last_decision_maker_contact_at.date()).days

    neglected = [a for a in full.accounts if days_since(a) >= 90]
    assert 3 <= len(neglected) <= 20
    assert {a.external_id for a in neglected} == {
        a.external_id for a in full.accounts if a.neglect_dm
    }
    demo_teams = {"enterprise", "public-sector"}
    assert any(a.team in demo_teams for a in neglected)


def test_recency_matches_the_communications(full: DemoPlan) -> None:
    roles = {c.external_id: c.decision_role for c in full.contacts}
    last, last_dm, per_contact = {}, {}, defaultdict(list)
    for comm in full.communications:
        last[comm.account] = max(last.get(comm.account, comm.occurred_at), comm.occurred_at)
        if any(roles[c] == "decision_maker" for c in comm.contacts):
            prev = last_dm.get(comm.account, comm.occurred_at)
            last_dm[comm.account] = max(prev, comm.occurred_at)
        for c in comm.contacts:
            per_contact[c].append(comm.occurred_at)
    for a in full.accounts:
        assert a.last_contact_at == last[a.external_id]
        assert a.last_decision_maker_contact_at == last_dm[a.external_id]
    for c in full.contacts:
        assert c.last_contacted_at == (max(per_contact[c.external_id], default=None))


def test_expectations_and_commitments_mix(full: DemoPlan) -> None:
    assert any(e.agreed for e in full.expectations)
    assert any(not e.agreed for e in full.expectations)
    statuses = Counter(c.status for c in full.commitments)
    assert statuses["kept"]
    assert statuses["broken"]
    overdue = [c for c in full.commitments if c.status == "open" and c.due_date < TODAY]
    assert len(overdue) >= 10
    assert all(c.closed_on is not None for c in full.commitments if c.status != "open")


def test_responses_cover_24_months_and_never_the_future(full: DemoPlan) -> None:
    moments = [r.submitted_at for r in full.responses]
    assert min(moments).date() <= TODAY - timedelta(days=730)
    assert max(moments).date() < TODAY
    assert moments == sorted(moments)
    assert len({r.external_id for r in full.responses}) == len(full.responses)
    assert all(r.external_id.startswith("demo-7-") for r in full.responses)


def test_scores_in_range_and_not_all_answered(full: DemoPlan) -> None:
    rs = full.responses
    assert all(r.nps is None or 0 <= r.nps <= 10 for r in rs)
    assert all(r.csat is None or 1 <= r.csat <= 5 for r in rs)
    assert all(r.ces is None or 1 <= r.ces <= 7 for r in rs)
    assert any(r.nps is not None and r.csat is not None and r.ces is not None for r in rs)
    assert sum(r.ces is None for r in rs) > len(rs) / 3
    custom = [r.answers[CUSTOM_ANSWER] for r in rs if r.answers]
    assert len(custom) > 5_000
    assert set(custom) <= {1, 2, 3, 4, 5}
    assert all(r.contact is None or r.user is None for r in rs)
    assert all(
        r.nps is not None or r.csat is not None or r.ces is not None or r.comment for r in rs
    )


def test_channels_mostly_survey(full: DemoPlan) -> None:
    channels = Counter(r.channel for r in full.responses)
    assert channels["survey"] > 0.7 * len(full.responses)
    assert set(channels) == {
        "survey", "email", "call", "business_review", "informal_note", "staff", "mystery_shop"
    }  # fmt: skip


def test_weekly_and_tier_structure(full: DemoPlan) -> None:
    weekday = Counter(r.submitted_at.weekday() for r in full.responses)
    assert weekday[6] < weekday[1] / 3
    tiers = {a.external_id: a.tier for a in full.accounts}
    csat = defaultdict(list)
    for r in full.responses:
        if r.csat is not None:
            csat[tiers[r.account]].append(r.csat)
    assert np.mean(csat["strategic"]) > np.mean(csat["maintain"])


def _weekly_csat(plan: DemoPlan, segment: str) -> dict[int, float]:
    """Mean CSAT of the segment's accounts by week counted back from the plan's day."""
    in_segment = {a.external_id for a in plan.accounts if a.segment == segment}
    weeks = defaultdict(list)
    for r in plan.responses:
        if r.account in in_segment and r.csat is not None:
            weeks[((plan.today - r.submitted_at.date()).days - 1) // 7].append(r.csat)
    return {w: float(np.mean(v)) for w, v in weeks.items()}


@pytest.mark.parametrize("label", ["Logistics delivery failures", "Healthcare billing incident"])
def test_incident_dips_and_breaks_the_control_limits(full: DemoPlan, label: str) -> None:
    incident = next(i for i in full.incidents if i.label == label)
    weekly = _weekly_csat(full, incident.segment)

    def in_window(week: int) -> bool:
        return incident.contains(full.today - timedelta(days=7 * week + 1))

    hit = [w for w in sorted(weekly) if in_window(w)]
    base = [weekly[w] for w in sorted(weekly) if not in_window(w) and w >= 1]
    assert len(hit) >= 4
    assert np.mean([weekly[w] for w in hit]) < np.mean(base) - 0.5
    # XmR chart on the other weeks: the incident weeks fall below the lower limit (rule 1).
    sigma = np.mean(np.abs(np.diff(base))) / 1.128
    lower = np.mean(base) - 3 * sigma
    assert sum(weekly[w] < lower for w in hit) >= len(hit) - 1


def test_incident_comments_name_the_incident(full: DemoPlan) -> None:
    segments = {a.external_id: a.segment for a in full.accounts}
    for incident, words in zip(full.incidents, ("late deliver", "invoice error"), strict=True):
        named = [
            r
            for r in full.responses
            if segments[r.account] == incident.segment
            and incident.contains(r.submitted_at.date())
            and words in r.comment.lower()
        ]
        assert len(named) >= 20


def test_comments_vary_and_agree_with_scores(full: DemoPlan) -> None:
    assert comments.distinct_sentences() >= 400
    texts = [r.comment for r in full.responses if r.comment]
    assert len(set(texts)) > 5_000
    negative = {p for t in comments.THEMES.values() for p in t.negative}
    positive = {p for t in comments.THEMES.values() for p in t.positive}
    for r in full.responses:
        if r.csat == 5 and r.comment:
            assert not any(p in r.comment for p in negative), r.comment
        if r.csat == 1 and r.comment:
            assert not any(p in r.comment for p in positive), r.comment
