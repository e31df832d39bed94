"""A manager's first session: sign in → portfolio → an account → import a feedback file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.analytics.rollups.services import rebuild_rollups, refresh_snapshots
from rapport.core.models import Role
from rapport.core.worker import run_worker
from rapport.feedback.models import ImportJob, ImportStatus
from tests.factories import (
    AccountFactory,
    CommitmentFactory,
    ContactFactory,
    MembershipFactory,
    ResponseFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def manager(transactional_db):
    team = TeamFactory(name="North")
    user = UserFactory(username="maria", first_name="Maria", last_name="Okafor")
    MembershipFactory(user=user, team=team, role=Role.ACCOUNT_MANAGER)
    account = AccountFactory(team=team, name="Acme Foods", external_id="ACME")
    AccountFactory(team=TeamFactory(name="South"), name="Borealis Bank")
    ContactFactory(account=account, name="Dana Whitlock", decision_role="decision_maker")
    CommitmentFactory(account=account, description="Weekly stock report")
    now = timezone.now()
    for day in range(60):
        ResponseFactory(
            account=account,
            submitted_at=now - timedelta(days=day),
            nps=9 if day % 3 else 4,
            csat=5 if day % 4 else 2,
            comment="Deliveries on time" if day % 2 else "",
        )
    rebuild_rollups()  # factories write rows directly, so derive the rollups once
    refresh_snapshots(account_ids={account.pk})
    return user


def _sign_in(page, live_server, shot, sign_in) -> None:
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url  # anonymous: sent to sign in
    shot("login")
    sign_in("maria")


def test_sign_in_portfolio_account_and_import(page, live_server, manager, shot, tmp_path, sign_in):
    _sign_in(page, live_server, shot, sign_in)
    assert page.locator("h1").inner_text() == "Portfolio"
    rows = page.locator("table.portfolio tbody tr")
    assert rows.count() == 1  # Borealis Bank belongs to another team
    assert "Acme Foods" in rows.first.inner_text()
    shot("portfolio")

    page.click("text=Acme Foods")
    page.wait_for_url("**/accounts/*/")
    assert page.locator("h1").inner_text().startswith("Acme Foods")
    assert page.locator(".chart svg").count() >= 1
    assert "Dana Whitlock" in page.content()
    shot("account")

    page.select_option("#fb-channel", "survey")  # HTMX swaps the feedback list in place
    page.wait_for_load_state("networkidle")
    assert page.locator("#feedback tbody tr").count() > 0

    csv_file = tmp_path / "march.csv"
    csv_file.write_text(
        "account,external_id,submitted_at,nps,csat,comment\n"
        "ACME,m1,2026-03-02 09:30,10,5,Great week\n"
        "ACME,m2,2026-03-03 09:30,12,4,typo in the score\n"
        "NOPE,m3,2026-03-04 09:30,7,3,unknown account\n",
        encoding="utf-8",
    )
    page.click("nav >> text=Imports")
    page.set_input_files("input[name=file]", str(csv_file))
    shot("upload")
    page.click("form button.primary")
    page.wait_for_url("**/feedback/imports/*/")
    assert "Waiting for a worker" in page.content()
    shot("waiting")

    run_worker(once=True)  # the page polls and reloads itself when the job ends
    page.wait_for_selector("text=Rejected rows (2)")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.SUCCEEDED
    assert "3 rows read: 1 inserted, 0 updated, 0 unchanged, 2 rejected." in page.content()
    errors = page.locator("table tbody tr").all_inner_texts()
    assert any("NPS 12 is out of range 0–10" in row for row in errors)
    assert any("no account with external id 'NOPE'" in row for row in errors)
    shot("finished")

    with page.expect_download() as download:
        page.click("text=Download all as CSV")
    assert download.value.suggested_filename == f"import-{job.pk}-errors.csv"


def test_other_team_account_is_not_found(page, live_server, manager, shot, sign_in):
    from rapport.customers.models import Account

    _sign_in(page, live_server, shot, sign_in)
    other = Account.objects.get(name="Borealis Bank")
    response = page.goto(f"{live_server.url}/accounts/{other.pk}/")
    assert response is not None
    assert response.status == 404
    assert "Borealis" not in page.content()
