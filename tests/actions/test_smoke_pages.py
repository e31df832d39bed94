"""Every actions page answers 200 for a member of the team on a small world."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_pages_render(crew, open_one):
    action = open_one()
    client = Client()
    client.force_login(crew.manager)
    for url in [
        "/actions/",
        "/actions/?status=all&overdue=1",
        f"/actions/new/?source_kind=swot&account={crew.account.pk}&title=Late",
        f"/actions/{action.pk}/",
        f"/actions/{action.pk}/edit/",
        "/actions/escalations/",
        "/actions/loops/",
        "/actions/ideas/",
        "/actions/plans/",
        "/actions/personal/",
        "/actions/performance/",
        f"/actions/performance/?team={crew.team.pk}",
        f"/teams/{crew.team.pk}/managers/",
        f"/accounts/{crew.account.pk}/actions/",
        f"/accounts/{crew.account.pk}/swot/",
        "/actions/export.csv",
        "/actions/export.xlsx",
        "/actions/loops/export.csv",
    ]:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code, answer.content[:2000])
