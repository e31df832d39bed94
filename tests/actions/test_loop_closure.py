"""Closing the loop: the customer told is logged as a communication of the account, and the
action's effect is its metric before and after with intervals (checked by hand here)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from freezegun import freeze_time

from rapport.actions import services
from rapport.actions.baseline import effect
from rapport.actions.models import LoopClosure
from rapport.analytics.rollups.services import rebuild_rollups
from rapport.customers.models import Account, Communication
from tests.factories import ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db
Z = 1.959963984540054


def _responses(account, day: dt.date, satisfied: int, unsatisfied: int) -> None:
    when = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    for i in range(satisfied + unsatisfied):
        ResponseFactory(
            account=account, submitted_at=when, csat=5 if i < satisfied else 2, nps=None
        )


def _wilson(k: int, n: int) -> tuple[float, float]:
    """By hand: Wilson's score interval."""
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return 100 * (centre - half), 100 * (centre + half)


@pytest.fixture
def done_action(crew, open_one):
    _responses(crew.account, dt.date(2025, 12, 10), 20, 20)  # before: 50 % of 40
    _responses(crew.account, dt.date(2026, 2, 15), 32, 8)  # after: 80 % of 40
    _responses(crew.account, dt.date(2026, 6, 1), 0, 40)  # after the after-window: ignored
    rebuild_rollups()
    with freeze_time("2026-01-01 12:00:00"):
        action = open_one(metric="csat", due_on=dt.date(2026, 1, 20))
    with freeze_time("2026-01-10 12:00:00"):
        services.set_status(
            actor=crew.owner, action=action, status="done", outcome="Delivery slots fixed"
        )
    action.refresh_from_db()
    return action


def test_the_baseline_is_kept_when_the_action_is_opened(done_action):
    base = done_action.baseline
    assert (base["start"], base["end"]) == ("2025-10-03", "2025-12-31")
    assert base["n"] == 40
    assert base["value"] == pytest.approx(50.0)
    low, high = _wilson(20, 40)
    assert (base["low"], base["high"]) == (pytest.approx(low), pytest.approx(high))


def test_effect_before_and_after_with_intervals_against_a_hand_computation(done_action):
    with freeze_time("2026-05-01 12:00:00"):
        measured = effect(done_action)
    assert measured is not None
    assert (measured.after_start, measured.after_end) == (
        dt.date(2026, 1, 11),
        dt.date(2026, 4, 10),
    )
    assert measured.complete
    assert measured.before.n == 40
    assert measured.after.n == 40
    assert measured.after.value == pytest.approx(80.0)
    assert (measured.after.low, measured.after.high) == tuple(
        pytest.approx(x) for x in _wilson(32, 40)
    )
    # The difference's interval, by hand: normal approximation of two independent shares.
    se = 100 * math.sqrt(0.5 * 0.5 / 40 + 0.8 * 0.2 / 40)
    assert measured.difference == pytest.approx(30.0)
    assert measured.diff_low == pytest.approx(30.0 - Z * se)
    assert measured.diff_high == pytest.approx(30.0 + Z * se)
    assert round(measured.diff_low, 1) == 10.2
    assert measured.statement == "CSAT improved significantly."
    assert measured.interval_text == "+10.2 to +49.8"


def test_effect_while_the_after_period_runs_says_so(done_action):
    with freeze_time("2026-02-20 12:00:00"):
        measured = effect(done_action)
    assert not measured.complete
    assert measured.after_end == dt.date(2026, 2, 20)
    assert "so far: 41 of 90 days" in measured.statement


def test_close_loop_logs_a_communication_for_the_account(crew, done_action):
    sponsor = ContactFactory(account=crew.account, name="Sam Sponsor")
    told_at = dt.datetime(2026, 1, 12, 15, 0, tzinfo=dt.UTC)
    closure = services.close_loop(
        actor=crew.owner,
        action=done_action,
        told_what="Deliveries now arrive in agreed slots.",
        told_at=told_at,
        channel="call",
        contacts=[sponsor],
    )
    stored = LoopClosure.objects.get(pk=closure.pk)
    assert stored.told_by == crew.owner
    assert list(stored.contacts.all()) == [sponsor]
    communication = Communication.objects.get(pk=stored.communication_id)
    assert communication.account == crew.account
    assert communication.channel == "call"
    assert communication.occurred_at == told_at
    assert "Deliveries now arrive in agreed slots." in communication.summary
    assert list(communication.contacts.all()) == [sponsor]
    assert Account.objects.get(pk=crew.account.pk).last_contact_at == told_at
    client = Client()
    client.force_login(crew.owner)
    page = client.get(f"/accounts/{crew.account.pk}/").content.decode()
    assert "Deliveries now arrive in agreed slots." in page
    detail = client.get(f"/actions/{done_action.pk}/").content.decode()
    assert "Customer told" in detail
    assert "Sam Sponsor" in detail
    log = client.get("/actions/loops/").content.decode()
    assert done_action.title in log
    with pytest.raises(ValidationError):  # once per action
        services.close_loop(
            actor=crew.owner, action=done_action, told_what="Again", told_at=told_at, channel="call"
        )


def test_close_loop_needs_a_done_action_and_its_accounts_contacts(crew, open_one):
    action = open_one()
    when = dt.datetime(2026, 1, 12, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as error:
        services.close_loop(
            actor=crew.owner, action=action, told_what="x", told_at=when, channel="call"
        )
    assert "action" in error.value.message_dict
    services.set_status(actor=crew.owner, action=action, status="done", outcome="ok")
    stranger = ContactFactory(account=crew.other_account)
    with pytest.raises(ValidationError) as error:
        services.close_loop(
            actor=crew.owner,
            action=action,
            told_what="x",
            told_at=when,
            channel="call",
            contacts=[stranger],
        )
    assert "contacts" in error.value.message_dict
    assert not Communication.objects.exists()


def test_the_effect_api(crew, done_action, api_client):
    # Not frozen: pydantic builds the schema of the first call, and freezegun's dates are not
    # dates to it. Any day after 10 Apr 2026 sees the whole after-period.
    body = api_client.get(f"/api/v1/actions/{done_action.pk}/effect").json()
    assert body["complete"]
    assert body["before"]["n"] == 40
    assert body["after"]["value"] == pytest.approx(80.0)
    assert body["difference_low"] == pytest.approx(30.0 - Z * 100 * math.sqrt(0.01025))
    assert body["statement"] == "CSAT improved significantly."


def test_the_log_reads_a_pages_effects_at_once_with_the_same_figures(crew, done_action, open_one):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rapport.actions.baseline import effects

    team_action = open_one(account=None, metric="csat")
    services.set_status(actor=crew.owner, action=team_action, status="done", outcome="ok")
    team_action.refresh_from_db()
    one_by_one = {a.pk: effect(a) for a in (done_action, team_action)}
    with CaptureQueriesContext(connection) as queries:
        at_once = effects([done_action, team_action])
    assert len(queries) == 1
    assert at_once == one_by_one


def test_the_log_page_queries_do_not_grow_with_its_rows(crew, done_action, open_one):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(crew.owner)
    told_at = dt.datetime(2026, 1, 12, 15, 0, tzinfo=dt.UTC)

    def tell(action):
        services.close_loop(
            actor=crew.owner, action=action, told_what="Told", told_at=told_at, channel="call"
        )

    tell(done_action)
    client.get("/actions/loops/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/actions/loops/").status_code == 200
        return len(queries)

    few = count()
    for _ in range(4):
        action = open_one(metric="csat")
        services.set_status(actor=crew.owner, action=action, status="done", outcome="ok")
        tell(action)
    assert count() == few
