"""A key-account manager opens Health and risk on the demo: the first rows are the accounts
with most at stake, each with its one-line reason; the list downloaded as XLSX and as CSV
holds the same accounts in the same order with the same figures."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from rapport.analytics.health import selectors
from rapport.analytics.health.stake import why
from rapport.core.models import User
from rapport.sampledata.load import load_demo
from rapport.sampledata.plan import DEMO_PASSWORD, DEMO_USERNAME

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db: Any) -> User:
    load_demo(seed=7, stdout=io.StringIO(), scale=0.05)
    return User.objects.get(username=DEMO_USERNAME)


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text))


def test_risk_list_first_rows_their_reasons_and_its_exports(
    page: Any, live_server: Any, sign_in: Any, shot: Any, demo: User
) -> None:
    sign_in(DEMO_USERNAME, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/portfolio/health/")
    rows = page.locator("table.attention tbody tr")
    shown = [
        {
            "name": row.locator("td").nth(1).locator("a").inner_text(),
            "band": row.locator("td").nth(2).inner_text(),
            "stake": _number(row.locator("td").nth(3).inner_text().splitlines()[0]),
            "why": row.locator("td.why").inner_text(),
        }
        for row in rows.all()
    ]
    expected = selectors.needs_attention(demo, selectors.RiskFilters())
    assert shown, "the demo has accounts that need attention"
    assert [(r["name"], r["why"]) for r in shown] == [(h.account.name, why(h)) for h in expected]
    assert all("green" not in r["band"] for r in shown)
    stakes = [r["stake"] for r in shown]
    assert stakes == sorted(stakes, reverse=True)
    assert all("\n" not in r["why"] and r["why"] for r in shown)  # one line each
    shot("risk-list")

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    assert xlsx_download.value.suggested_filename == "risk-list.xlsx"
    with open(xlsx_download.value.path(), "rb") as opened:  # saved without its extension
        sheet = load_workbook(opened).active
    header, *data = list(sheet.iter_rows(values_only=True))
    exported = [dict(zip(header, values, strict=True)) for values in data]
    page.locator("#also-watch summary").click()
    watched = page.locator("#also-watch tbody tr td:first-child a").all_inner_texts()
    assert [r["Account"] for r in exported[: len(shown)]] == [r["name"] for r in shown]
    assert [r["Why"] for r in exported[: len(shown)]] == [r["why"] for r in shown]
    assert [round(r["At stake"]) for r in exported[: len(shown)]] == stakes
    assert [r["Account"] for r in exported[len(shown) :]][: len(watched)] == watched
    shot("also-watch")

    page.goto(f"{live_server.url}/portfolio/health/?band=red")
    red = page.locator("table.attention tbody tr td:nth-child(2) a").all_inner_texts()
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV").click()
    with open(csv_download.value.path(), encoding="utf-8") as opened:
        lines = list(csv.DictReader(opened))
    assert {line["Band"] for line in lines} <= {"red"}
    assert [line["Account"] for line in lines][: len(red)] == red
