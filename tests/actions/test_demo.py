"""The demo holds a live control loop: open, overdue, escalated and done actions, closed loops
with effects, ideas, a team action plan and a personal plan; every actions page shows it."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from rapport.actions.baseline import effect
from rapport.actions.models import (
    Action,
    Escalation,
    Idea,
    LoopClosure,
    PersonalPlan,
    TeamActionPlan,
)
from rapport.core.models import User
from rapport.sampledata.load import load_demo
from rapport.sampledata.plan import DEMO_USERNAME


@pytest.mark.django_db
def test_the_demo_has_the_whole_loop():
    load_demo(seed=7, stdout=io.StringIO(), scale=0.05)
    assert Action.objects.filter(status="open").exists()
    assert Action.objects.filter(status="in_progress").exists()
    assert Action.objects.filter(escalation_level=2).exists()
    assert Escalation.objects.filter(to_user__username=DEMO_USERNAME, level=2).exists()
    assert Idea.objects.filter(status="accepted").exists()
    assert Idea.objects.filter(status="declined").exists()
    assert TeamActionPlan.objects.exists()
    plan = PersonalPlan.objects.get()
    assert plan.agreed
    closures = list(LoopClosure.objects.select_related("action"))
    assert closures
    measured = [effect(c.action) for c in closures]
    assert any(m is not None and m.complete and m.before.n and m.after.n for m in measured)
    # The delivery incident was answered by an action whose effect the demo can show.
    assert Action.objects.filter(source_kind="alert", title__startswith="Stop the").exists()
    client = Client()
    client.force_login(User.objects.get(username=DEMO_USERNAME))
    action = Action.objects.filter(loop_closure__isnull=False).first()
    for url in (
        "/actions/",
        "/actions/escalations/",
        "/actions/loops/",
        "/actions/ideas/",
        "/actions/plans/",
        "/actions/personal/",
        f"/actions/personal/{plan.pk}/",
        f"/actions/{action.pk}/",
        "/actions/performance/",
    ):
        assert client.get(url).status_code == 200, url
    assert "overdue" in client.get("/actions/?overdue=1").content.decode()
