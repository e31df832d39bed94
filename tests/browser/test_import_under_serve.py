"""A person uploads an import to `rapport serve` started alone (no separate worker) and sees it
finish: the worker beside the web server runs it (issue 11)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.processes import django_snippet, rapport_env, serve, stop

pytestmark = pytest.mark.browser


def test_an_upload_finishes_under_serve_alone(page: Any, tmp_path: Path, shot: Any) -> None:
    env = rapport_env(tmp_path / "data", SECRET_KEY="test")
    django_snippet(
        env,
        """
        from django.core.management import call_command
        from rapport.core.models import Membership, Role, Team, User
        from rapport.customers.models import Account
        call_command("migrate", "--no-input", "-v", "0")
        team = Team.objects.create(name="North", slug="north")
        Account.objects.create(team=team, name="Acme Foods", external_id="ACME")
        maria = User.objects.create_user("maria", "maria@example.org", "serve-alone-pw")
        Membership.objects.create(user=maria, team=team, role=Role.MANAGER)
        result = maria.pk
        """,
    )
    csv_file = tmp_path / "crm-export.csv"
    csv_file.write_text(
        "account,external_id,submitted_at,nps,csat,comment\n"
        "ACME,s1,2026-03-02 09:30,10,5,Great week\n"
        "ACME,s2,2026-03-03 09:30,4,2,Late again\n",
        encoding="utf-8",
    )
    process, base = serve(env)
    try:
        page.set_default_timeout(60_000)
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "maria")
        page.fill("input[name=password]", "serve-alone-pw")
        page.click("form button")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/feedback/imports/")
        page.set_input_files("input[name=file]", str(csv_file))
        page.click("form button.primary")
        page.wait_for_url("**/feedback/imports/*/")
        # No `rapport worker` was started: the page polls until the job has finished.
        page.wait_for_selector("#import-status .badge.good", timeout=120_000)
        shot("finished")
        text = page.inner_text("#import-status")
    finally:
        out, _ = stop(process)
    assert "2 rows read: 2 inserted" in text, text
    assert "with a worker beside it" in out
