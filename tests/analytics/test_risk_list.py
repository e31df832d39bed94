"""The risk list: ranked by what is at stake, the few to act on picked out with one line each,
the manual "at risk" status shown and filtered, and its export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rapport.analytics.health import selectors
from rapport.analytics.health.risk import RiskReason
from rapport.analytics.health.stake import ATTENTION_LIMIT
from rapport.analytics.models import AccountHealth
from rapport.customers.models import AccountStatus
from tests.factories import AccountFactory

TEXTS = {
    "critical_decision_maker": "Dana Critic, decision maker, answered 3 to the recommend "
    "question on 2 Mar 2026 (a detractor)",
    "broken_commitments": "2 commitments broken in the last 12 months: “Fix the invoices” "
    "(due 1 Feb 2026); “Weekly report” (due 3 Jan 2026)",
    "falling_component": "NPS significantly down over 90 days: 40 → 12",
    "renewal_soon": "Renewal in 30 days (4 Apr 2026), within the 90 days watched",
    "decision_maker_silent": "No decision-maker contact for 120 days (last on 1 Nov 2025)",
}


def scored(account, score, band, *codes):
    reasons = [RiskReason(code, TEXTS[code]).as_dict() for code in codes]
    AccountHealth.objects.update_or_create(
        account=account,
        defaults={
            "as_of": timezone.localdate(),
            "score": score,
            "band": band,
            "risks": reasons,
            "risk_count": len(reasons),
            "risk_codes": "".join(f",{c}" for c in codes) + ("," if codes else ""),
        },
    )
    return account


def _page(client, query=""):
    return client.get(reverse("analytics:portfolio-health") + query).content.decode()


def _attention_rows(body):
    """(account name, why) of each row of the "Needs attention" table, in order."""
    table = body.split('class="risks attention"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<a href="/accounts/\d+/health/">([^<]+)</a>.*?<td class="why">([^<]*)</td>',
                      table, re.S)  # fmt: skip
    return [(name, why.replace("&gt;", ">").replace("&#x27;", "'")) for name, why in rows]


def test_amber_51_ranks_above_green_81_of_similar_value_with_more_reasons(user_client, world):
    """Ranked by number of reasons, the green account with three came first."""
    green = scored(
        AccountFactory(team=world.team, name="Green Many", annual_value=130_000),
        81, "green", "falling_component", "decision_maker_silent", "renewal_soon",
    )  # fmt: skip
    amber = scored(
        AccountFactory(team=world.team, name="Amber One", annual_value=100_000),
        51, "amber", "renewal_soon",
    )  # fmt: skip
    ranked = list(selectors.at_risk(world.user, selectors.RiskFilters()))
    assert [h.account_id for h in ranked] == [amber.pk, green.pk]
    # annual value × weight: amber 0.25 + 0.20 × 0.10; green 0.03 + 0.07 × (0.2 + 0.1 + 0.1)
    assert ranked[0].stake == pytest.approx(100_000 * 0.27)
    assert ranked[1].stake == pytest.approx(130_000 * 0.058)
    body = _page(user_client)
    assert [name for name, _ in _attention_rows(body)] == ["Amber One"]  # green: also watch
    assert "GBP 27,000" in body


def test_a_red_account_outranks_a_larger_amber_one_only_when_more_is_at_stake(world):
    red = scored(AccountFactory(team=world.team, annual_value=50_000), 30, "red")
    amber = scored(AccountFactory(team=world.team, annual_value=300_000), 60, "amber")
    ranked = [h.account_id for h in selectors.needs_attention(world.user, selectors.RiskFilters())]
    assert ranked == [amber.pk, red.pk]  # 300k × 0.25 = 75k at stake against 50k × 0.5 = 25k


def test_each_account_needing_attention_has_one_line_with_its_main_reason(user_client, world):
    scored(AccountFactory(team=world.team, name="Critic Co", annual_value=400_000), 40, "red",
           "renewal_soon", "critical_decision_maker", "broken_commitments")  # fmt: skip
    scored(AccountFactory(team=world.team, name="Broken Co", annual_value=200_000), 55, "amber",
           "broken_commitments")  # fmt: skip
    scored(AccountFactory(team=world.team, name="Quiet Co", annual_value=100_000), 58, "amber")
    assert _attention_rows(_page(user_client)) == [
        ("Critic Co", f"{TEXTS['critical_decision_maker']} (+2 more)"),
        ("Broken Co", "2 commitments broken in the last 12 months"),
        ("Quiet Co", "Health 58, in the amber band"),
    ]


def test_the_attention_list_is_bounded_and_the_rest_is_also_watch(user_client, world):
    for i in range(ATTENTION_LIMIT + 2):
        scored(AccountFactory(team=world.team, name=f"Amber {i:02d}", annual_value=1000 * (i + 1)),
               60, "amber")  # fmt: skip
    scored(AccountFactory(team=world.team, name="Green Reason"), 85, "green", "renewal_soon")
    body = _page(user_client)
    names = [name for name, _ in _attention_rows(body)]
    assert names == [f"Amber {i:02d}" for i in range(ATTENTION_LIMIT + 1, 1, -1)]
    assert f"{ATTENTION_LIMIT + 2} accounts amber, red or marked at risk" in body
    assert "Also watch: 3 more accounts" in body  # the two smallest ambers and the green one


def test_marked_at_risk_is_shown_filtered_and_counts_as_amber(user_client, world):
    marked = AccountFactory(team=world.team, name="Marked Green", status=AccountStatus.AT_RISK)
    scored(marked, 88, "green")  # no reason at all: listed for its status alone
    scored(AccountFactory(team=world.team, name="Plain Amber", annual_value=10_000), 60, "amber")
    other = AccountFactory(team=world.other_team, name="Other Marked", status=AccountStatus.AT_RISK)
    scored(other, 30, "red")
    body = _page(user_client)
    assert [n for n, _ in _attention_rows(body)] == ["Marked Green", "Plain Amber"]
    assert "Marked at risk by the team; no reason found in the data" in body
    assert "marked at risk</span>" in body
    filtered = _page(user_client, "?at_risk=1")
    assert [n for n, _ in _attention_rows(filtered)] == ["Marked Green"]
    assert "Showing marked at risk." in filtered
    assert "Other Marked" not in body + filtered


def _download(client, fmt, query=""):
    response = client.get(reverse("analytics:portfolio-health-export", args=[fmt]) + query)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_risk_list_exports_match_the_list_with_its_filters(user_client, world):
    scored(AccountFactory(team=world.team, name="=cmd|' /C calc'!A0", annual_value=90_000),
           45, "red", "broken_commitments")  # fmt: skip
    scored(AccountFactory(team=world.team, name="Amber Ltd", tier="strategic"), 60, "amber")
    scored(AccountFactory(team=world.team, name="Green Ltd", tier="strategic"), 90, "green",
           "renewal_soon")  # fmt: skip
    scored(world.other_account, 20, "red", "renewal_soon")
    risks = selectors.risk_list(world.user, selectors.RiskFilters())
    listed = [*risks.attention, *risks.also_watch]
    sheet = load_workbook(io.BytesIO(_download(user_client, "xlsx"))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["'" + listed[0].account.name, "Amber Ltd", "Green Ltd"]
    assert [r[9] for r in rows] == [pytest.approx(h.stake, abs=0.01) for h in listed]
    assert [r[10] for r in rows] == ["Needs attention", "Needs attention", "Also watch"]
    assert rows[0][11] == "2 commitments broken in the last 12 months"
    assert "Borealis Bank" not in {r[0] for r in rows}
    lines = list(csv.reader(io.StringIO(_download(user_client, "csv", "?tier=strategic").decode())))
    assert [line[0] for line in lines[1:]] == ["Amber Ltd", "Green Ltd"]


def test_risk_list_export_of_bad_filters_is_400(user_client):
    url = reverse("analytics:portfolio-health-export", args=["csv"])
    assert user_client.get(url + "?band=blue").status_code == 400


def test_other_team_reads_none_of_it(world):
    scored(AccountFactory(team=world.team, name="Ours At Risk"), 30, "red", "renewal_soon")
    client = Client()
    client.force_login(world.other_user)
    assert "Ours At Risk" not in _download(client, "csv").decode()
