"""The board's filters in the URL, paging and exports, bounded queries; the escalation view;
"Open an action" beside SWOT lines, prefilled; the account tab and the navigation count."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from rapport.actions import services
from rapport.actions.models import Action, Escalation
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_board_filters_are_in_the_url_and_exports_apply_them(crew, open_one):
    open_one(title="Critical one", severity="critical")
    open_one(title="Low one", severity="low", owner=crew.manager)
    client = _client(crew.owner)
    page = client.get("/actions/?severity=critical").content.decode()
    assert "Critical one" in page
    assert "Low one" not in page
    page = client.get(f"/actions/?owner={crew.manager.pk}").content.decode()
    assert "Low one" in page
    assert "Critical one" not in page
    assert client.get("/actions/?severity=urgent").status_code == 400
    assert client.get("/actions/?owner=bob").status_code == 400
    rows = list(
        csv.reader(io.StringIO(b"".join(client.get("/actions/export.csv?severity=low")).decode()))
    )
    assert rows[0][:3] == ["id", "title", "team"]
    assert [r[1] for r in rows[1:]] == ["Low one"]
    book = load_workbook(io.BytesIO(b"".join(client.get("/actions/export.xlsx").streaming_content)))
    sheet = book.active
    assert sheet.max_row == 3
    assert isinstance(sheet["H2"].value, dt.datetime)  # due_on is a typed date cell


def test_board_queries_do_not_grow_with_rows(crew, open_one):
    client = _client(crew.owner)
    open_one()
    client.get("/actions/")
    few = _queries(client, "/actions/")
    for i in range(8):
        account = AccountFactory(team=crew.team)
        open_one(account=account, title=f"Action {i}", owner=crew.manager)
    assert _queries(client, "/actions/") == few


def test_the_board_pages(crew, open_one, settings):
    settings.RAPPORT_PAGE_SIZE = 2
    for i in range(5):
        open_one(title=f"Number {i}", due_on=dt.date(2030, 1, 1 + i))
    client = _client(crew.owner)
    assert "Number 4" in client.get("/actions/?page=3").content.decode()
    assert "Number 4" not in client.get("/actions/?page=1").content.decode()


def test_the_escalation_view_shows_whats_escalated_to_me_and_my_team(crew, open_one):
    action = open_one(due_on=dt.date(2026, 1, 5))
    Escalation.objects.create(
        action=action,
        team=crew.team,
        level=1,
        to_user=crew.manager,
        at=dt.datetime(2026, 1, 6, tzinfo=dt.UTC),
        reason="Not done 1 day after its due date",
    )
    assert action.title in _client(crew.manager).get("/actions/escalations/").content.decode()
    mine = _client(crew.manager).get("/actions/escalations/?show=mine").content.decode()
    assert action.title in mine
    # alice is not a manager and nothing was escalated to her
    assert action.title not in _client(crew.owner).get("/actions/escalations/").content.decode()
    assert action.title not in _client(crew.other).get("/actions/escalations/").content.decode()
    body = _client(crew.manager).get("/api/v1/escalations?mine=true").json()
    assert [row["action"] for row in body["items"]] == [action.pk]


def test_open_an_action_beside_a_swot_line_for_those_who_may(crew):
    from html import unescape

    from tests.analytics.swot_builders import driven_by_csat

    driven_by_csat(crew.account, satisfied=False)
    page = unescape(_client(crew.owner).get(f"/accounts/{crew.account.pk}/swot/").content.decode())
    assert f'href="/actions/new/?source_kind=swot&team={crew.team.pk}&title=' in page, (
        "no Open an action link beside the SWOT lines"
    )
    assert f"&account={crew.account.pk}&metric=nps&source_ref=" in page
    agent_page = _client(crew.agent).get(f"/accounts/{crew.account.pk}/swot/").content.decode()
    assert "Open an action" not in agent_page


def test_the_action_form_is_prefilled_from_a_line(crew):
    client = _client(crew.owner)
    url = (
        f"/actions/new/?source_kind=theme&account={crew.account.pk}&title=Delivery"
        "&source_ref=delivery&source_url=/accounts/1/themes/"
    )
    form = client.get(url).context["form"]
    assert form.initial["team"] == crew.team.pk
    assert form.initial["title"] == "Act on the theme “Delivery”"
    assert form.initial["source_kind"] == "theme"
    answer = client.post(
        "/actions/new/",
        {
            "team": crew.team.pk,
            "account": crew.account.pk,
            "title": "Act on the theme “Delivery”",
            "owner": crew.owner.pk,
            "severity": "high",
            "source_kind": "theme",
            "source_ref": "delivery",
            "source_url": "/accounts/1/themes/",
            "metric": "csat",
        },
    )
    action = Action.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/actions/{action.pk}/"
    assert (action.source_kind, action.source_ref, action.metric) == ("theme", "delivery", "csat")
    assert action.due_on == services.due_on_for("high")


def test_the_nav_counts_my_open_overdue_actions(crew, open_one):
    open_one(due_on=dt.date(2020, 1, 1))
    open_one(due_on=dt.date(2099, 1, 1))
    page = _client(crew.owner).get("/actions/").content.decode()
    assert 'href="/actions/"' in page
    from rapport.actions.selectors import my_overdue_count

    assert my_overdue_count(crew.owner) == 1
    assert my_overdue_count(crew.manager) == 0


def test_the_account_tab_lists_its_actions(crew, open_one):
    open_one(title="On Acme")
    page = _client(crew.owner).get(f"/accounts/{crew.account.pk}/actions/").content.decode()
    assert "On Acme" in page
    assert 'aria-current="page">Actions<' in page
