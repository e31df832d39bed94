"""The portfolio's manual "at risk" filter, and downloads of the portfolio and of an account's
feedback: the page's filters applied, numbers and rows as the selectors give them, formula-like
cells neutralised, another team's data never included."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rapport.core.exports import safe_cell
from rapport.customers.models import AccountStatus
from rapport.feedback.public import FeedbackFilters, responses_for_account
from rapport.workspace import selectors
from tests.analytics.health_builders import csat_sums, nps_sums, snapshot
from tests.factories import AccountFactory, CommitmentFactory, ResponseFactory

EVIL = "=cmd|' /C calc'!A0"


def _download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:200]
    return b"".join(response.streaming_content)


def _csv(client, url):
    return list(csv.reader(io.StringIO(_download(client, url).decode())))


def _xlsx_rows(client, url):
    sheet = load_workbook(io.BytesIO(_download(client, url))).active
    return list(sheet.iter_rows(values_only=True))


def test_portfolio_shows_and_filters_the_manual_at_risk_status(user_client, world):
    AccountFactory(team=world.team, name="Marked Ltd", status=AccountStatus.AT_RISK)
    AccountFactory(team=world.other_team, name="Their Marked", status=AccountStatus.AT_RISK)
    body = user_client.get("/").content.decode()
    assert 'Marked Ltd</strong></a> <span class="badge bad"' in body
    assert "Acme Foods" in body
    filtered = user_client.get("/", {"at_risk": "1"}).content.decode()
    assert "Marked Ltd" in filtered
    assert "Acme Foods" not in filtered
    assert "Their Marked" not in body + filtered
    assert 'name="at_risk" value="1" checked' in filtered


def test_portfolio_export_has_the_pages_rows_and_numbers(user_client, world):
    strategic = {"tier": "strategic", "team": world.team}
    big = AccountFactory(name=EVIL, annual_value=250_000, renewal_date=date(2027, 1, 31),
                         status=AccountStatus.AT_RISK, **strategic)  # fmt: skip
    small = AccountFactory(name="Small Ltd", annual_value=1_500.5, **strategic)
    AccountFactory(team=world.other_team, tier="strategic", name="Their Strategic")
    snapshot(big, "nps", nps_sums(40, 20, 10), nps_sums(40, 20, 10))
    snapshot(big, "csat", csat_sums(40, 30), csat_sums(40, 30))
    CommitmentFactory(account=big, due_date=timezone.localdate() - timedelta(days=3))
    query = "?tier=strategic&sort=value"
    page = user_client.get("/" + query)
    rows = _xlsx_rows(user_client, reverse("customers:portfolio-export", args=["xlsx"]) + query)
    header, data = rows[0], rows[1:]
    assert len(data) == page.context["page_obj"].paginator.count == 2
    expected = selectors.portfolio_rows(world.user, [big.pk, small.pk])
    assert [row["account"].name for row in page.context["rows"]] == [EVIL, "Small Ltd"]
    assert [r[0] for r in data] == ["'" + EVIL, "Small Ltd"]
    assert [r[header.index("Annual value")] for r in data] == [
        float(a.annual_value) for a in expected
    ]
    first = dict(zip(header, data[0], strict=True))
    assert first["Status"] == "At risk"
    assert first["NPS (90 d)"] == 25.0  # 20 promoters − 10 detractors of 40
    assert first["NPS n"] == 40
    assert first["CSAT % (90 d)"] == 75.0
    assert first["Overdue commitments"] == 1
    assert first["Renewal"].date() == date(2027, 1, 31)
    assert "Their Strategic" not in {r[0] for r in data}


def test_portfolio_csv_counts_what_the_page_counts_with_its_filters(user_client, world):
    for i in range(3):
        AccountFactory(team=world.team, name=f"Marked {i}", status=AccountStatus.AT_RISK)
    AccountFactory(team=world.other_team, name="Their Marked", status=AccountStatus.AT_RISK)
    page = user_client.get("/", {"at_risk": "1"})
    lines = _csv(user_client, reverse("customers:portfolio-export", args=["csv"]) + "?at_risk=1")
    assert len(lines) - 1 == page.context["page_obj"].paginator.count == 3
    assert [line[0] for line in lines[1:]] == ["Marked 0", "Marked 1", "Marked 2"]
    other = Client()
    other.force_login(world.other_user)
    theirs = _csv(other, reverse("customers:portfolio-export", args=["csv"]))
    assert [line[0] for line in theirs[1:]] == ["Borealis Bank", "Their Marked"]


def test_feedback_export_uses_the_partials_filters(user_client, world):
    account = world.account
    ResponseFactory(account=account, nps=2, comment=EVIL)
    ResponseFactory(account=account, nps=3, comment="", submitted_at=timezone.now() - timedelta(1))
    ResponseFactory(account=account, nps=9, comment="Lovely")
    ResponseFactory(account=world.other_account, nps=1, comment="Theirs")
    query = "?detractors=1&with_comment=1"
    partial = user_client.get(reverse("customers:account-feedback", args=[account.pk]) + query)
    url = reverse("customers:account-feedback-export", args=[account.pk, "csv"]) + query
    lines = _csv(user_client, url)
    assert len(lines) - 1 == partial.context["page_obj"].paginator.count == 1
    assert lines[1][6] == "'" + EVIL
    assert 'feedback/export.csv?with_comment=1&amp;detractors=1"' in partial.content.decode()
    xlsx_url = reverse("customers:account-feedback-export", args=[account.pk, "xlsx"])
    rows = _xlsx_rows(user_client, xlsx_url + "?detractors=1")
    expected = responses_for_account(account, FeedbackFilters(detractors=True))
    shown = [(r.nps, safe_cell(r.comment) or None) for r in expected]
    assert [(r[3], r[6]) for r in rows[1:]] == shown
    assert rows[1][6] == "'" + EVIL
    # The filters the partial gained later (words of the comment) reach the export too.
    url = reverse("customers:account-feedback-export", args=[account.pk, "csv"]) + "?text=lovely"
    assert [line[6] for line in _csv(user_client, url)[1:]] == ["Lovely"]


def test_another_teams_feedback_export_is_404(world):
    client = Client()
    client.force_login(world.other_user)
    for fmt in ("csv", "xlsx"):
        url = reverse("customers:account-feedback-export", args=[world.account.pk, fmt])
        assert client.get(url).status_code == 404
