"""axe-core on every page of the product, on the sample data, at desktop and phone width.

axe-core comes from the npm registry (`package.json` at the project root; `npm ci` installs it
into node_modules/). Without it the test is skipped, except in CI, where it fails.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from rapport.core.models import User
from rapport.customers.models import Account, Commitment, CostEntry
from rapport.feedback.models import ImportJob
from rapport.notifications.models import WebhookEndpoint
from rapport.sampledata.load import load_demo
from rapport.sampledata.plan import DEMO_PASSWORD, DEMO_USERNAME

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": 1440, "phone": 390}
# Routes that answer POST only, or send a file rather than a page: not pages for axe.
NOT_PAGES = {
    "core:logout",
    "core:healthz",
    "customers:cost-entry-create",  # the form sits on the health page
    "customers:cost-entry-delete",
    "customers:related-delete",
    "customers:account-feedback",  # an HTMX partial inside the account page (checked there)
    "analytics:set-baseline",
    "analytics:proposal-create",  # the form sits on the customer-types page
    "analytics:proposal-status",
    "analytics:proposal-delete",
    "feedback:import-progress",  # an HTMX partial inside the import page (checked there)
    "feedback:import-errors-csv",
    "customers:portfolio-export",
    "customers:account-feedback-export",
    "analytics:portfolio-health-export",
    "feedback:import-resume",
    "enrichment:theme-add",  # the form sits on the themes page
    "enrichment:install-standard",
    "enrichment:train",
    "enrichment:train-sentiment",
    "enrichment:use-vader",
    "enrichment:theme-edit",
    "enrichment:label-response",
    "enrichment:correct-sentiment",  # the form sits on the account page's feedback list
    "api-token-revoke",
    # --- notifications ---
    "notifications:read",  # POST only: the buttons sit on the inbox
    "notifications:read-all",
    "notifications:open",
    "notifications:webhook-test",  # POST only: the buttons sit on the endpoint's page
    "notifications:webhook-rotate",
    "notifications:webhook-delete",
    # --- monitoring ---
    "monitoring:plan-start",  # POST only: the buttons sit on the plan page
    "monitoring:new-version",
    "monitoring:version-edit",  # the form sits on the version page
    "monitoring:version-propose",
    "monitoring:version-withdraw",
    "monitoring:version-discard",
    "monitoring:change-request-decline",  # the form sits on the change requests page
    "monitoring:method-delete",
    "monitoring:kpi-delete",
    "monitoring:report-delete",
    "monitoring:activity-done",  # the form sits on the calendar
    # --- actions ---
    "actions:board-export",  # files, not pages
    "actions:loops-export",
    "actions:status",  # POST only: the forms sit on the action's page
    "actions:close-loop",
    "actions:personal-sign",  # POST only: the forms sit on the personal plan's page
    "actions:personal-goal",
    "actions:personal-goal-status",
    "actions:personal-review",
    # --- agreements ---  (POST only: their forms sit on the pages listed in _pages)
    "agreements:review-delete",
    "agreements:review-action",
    "agreements:alternative-choose",
    "agreements:alternative-delete",
    "agreements:template-delete",
    "agreements:incident-delete",
    "agreements:affected-update",
    "agreements:notice-done",
    # --- reports ---
    "reports:definition-delete",  # POST only: the buttons sit on the definition and run pages
    "reports:run-now",
    "reports:run-progress",  # an HTMX partial inside the run page (checked there)
    "reports:run-file",  # a PDF, XLSX or CSV file
    "reports:run-approve",
    "reports:run-return",
    "reports:run-resubmit",
    "reports:run-send",
    "reports:run-delete",
    "reports:recommendation-edit",
    "reports:recommendation-add",
    # --- alerts ---
    "alerts:close",  # POST only: the form sits on the alert's page
    "alerts:rule-delete",  # POST only: the button sits on the rule's form
    "alerts:evaluate",  # POST only: the form sits on the rules page
}


def _route_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith(("admin/", "api/")):
                continue
            inner = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace
            names |= _route_names(p.url_patterns, inner or namespace)
        elif isinstance(p, URLPattern) and p.name:
            names.add(f"{namespace}:{p.name}" if namespace else p.name)
    return names


def _pages() -> dict[str, str]:
    """Every page of the product, filled with ids from the sample data."""
    account = Account.objects.order_by("-annual_value").first()
    assert account is not None
    commitment = Commitment.objects.filter(account=account).first()
    cost = CostEntry.objects.filter(account=account).first()
    job = ImportJob.objects.order_by("pk").first()
    a = {"account_id": account.pk}
    pages = {
        "core:login": reverse("core:login"),
        "customers:portfolio": reverse("customers:portfolio"),
        "customers:account-create": reverse("customers:account-create"),
        "customers:account": reverse("customers:account", kwargs=a),
        "customers:account-edit": reverse("customers:account-edit", kwargs=a),
        "customers:related-create": reverse(
            "customers:related-create", kwargs={**a, "kind": "commitments"}
        ),
        "analytics:account": reverse("analytics:account", kwargs=a),
        "analytics:health": reverse("analytics:health", kwargs=a),
        "analytics:swot": reverse("analytics:swot", kwargs=a),
        "analytics:portfolio-health": reverse("analytics:portfolio-health"),
        "analytics:portfolio-swot": reverse("analytics:portfolio-swot"),
        "analytics:customer-types": reverse("analytics:customer-types"),
        "analytics:health-weights": reverse(
            "analytics:health-weights", kwargs={"team_id": account.team_id}
        ),
        "feedback:imports": reverse("feedback:imports"),
        "enrichment:themes": reverse("enrichment:themes"),
        "enrichment:label": reverse("enrichment:label"),
        "enrichment:account-themes": reverse("enrichment:account-themes", kwargs=a),
        "api-tokens": reverse("api-tokens"),
        # results of every kind: the account's first word finds it, its people and comments
        "customers:search": reverse("customers:search") + f"?q={account.name.split()[0]}",
        "core:password-change": reverse("core:password-change"),
        # Not routes: the error pages in the shell and ninja's API docs with their way back.
        "page not found": "/no-such-page/",
        "bad request": reverse("customers:account", kwargs=a) + "?metric=bogus",
        "API docs": "/api/v1/docs",
        # --- notifications ---
        "notifications:inbox": reverse("notifications:inbox"),
        "notifications:settings": reverse("notifications:settings"),
        "notifications:webhooks": reverse("notifications:webhooks"),
        "notifications:webhook-create": reverse("notifications:webhook-create"),
    }
    pages |= _actions_pages(account)  # --- actions ---
    # --- reports ---
    from rapport.reports.models import ReportDefinition, ReportRun

    definition = ReportDefinition.objects.order_by("pk").first()
    run = ReportRun.objects.order_by("pk").first()
    pages["reports:definitions"] = reverse("reports:definitions")
    pages["reports:definition-create"] = reverse("reports:definition-create")
    if definition is not None:
        pages["reports:definition"] = reverse("reports:definition", kwargs={"pk": definition.pk})
        pages["reports:definition-edit"] = reverse(
            "reports:definition-edit", kwargs={"pk": definition.pk}
        )
    if run is not None:
        pages["reports:run"] = reverse("reports:run", kwargs={"pk": run.pk})
    if commitment is not None:
        pages["customers:related-edit"] = reverse(
            "customers:related-edit", kwargs={"kind": "commitments", "pk": commitment.pk}
        )
    if cost is not None:
        pages["customers:cost-entry-edit"] = reverse(
            "customers:cost-entry-edit", kwargs={"pk": cost.pk}
        )
    if job is not None:
        pages["feedback:import"] = reverse("feedback:import", kwargs={"job_id": job.pk})
    # --- notifications ---
    endpoint = WebhookEndpoint.objects.order_by("pk").first()
    if endpoint is not None:
        pages["notifications:webhook"] = reverse(
            "notifications:webhook", kwargs={"endpoint_id": endpoint.pk}
        )
        pages["notifications:webhook-edit"] = reverse(
            "notifications:webhook-edit", kwargs={"endpoint_id": endpoint.pk}
        )
    # --- monitoring ---
    pages.update(_monitoring_pages())
    pages |= _agreements_pages({"account_id": account.pk})  # --- agreements ---
    # --- alerts ---
    pages.update(_alert_pages(account))
    return pages


def _monitoring_pages() -> dict[str, str]:
    """The plan pages of the account whose draft is under way (it has every kind of version)."""
    from rapport.monitoring.models import PlanTemplate, PlanVersion

    draft = PlanVersion.objects.select_related("plan").get(status="draft")
    agreed = draft.plan.versions.get(status="agreed")
    a = {"account_id": draft.plan.account_id}
    p = {"pk": draft.plan_id}
    d = {"pk": draft.pk}
    method, kpi, report = draft.methods.first(), draft.kpis.first(), draft.reports.first()
    assert method is not None
    assert kpi is not None
    assert report is not None
    return {
        "monitoring:account-plan": reverse("monitoring:account-plan", kwargs=a),
        "monitoring:calendar": reverse("monitoring:calendar", kwargs=a),
        "monitoring:versions": reverse("monitoring:versions", kwargs=p),
        "monitoring:change-requests": reverse("monitoring:change-requests", kwargs=p),
        "monitoring:version": reverse("monitoring:version", kwargs=d),
        "monitoring:version agreed": reverse("monitoring:version", kwargs={"pk": agreed.pk}),
        "monitoring:customer-view": reverse("monitoring:customer-view", kwargs=d),
        "monitoring:version-agree": reverse("monitoring:version-agree", kwargs=d),
        "monitoring:method-add": reverse("monitoring:method-add", kwargs=d),
        "monitoring:method-edit": reverse("monitoring:method-edit", kwargs={"pk": method.pk}),
        "monitoring:kpi-add": reverse("monitoring:kpi-add", kwargs=d),
        "monitoring:kpi-edit": reverse("monitoring:kpi-edit", kwargs={"pk": kpi.pk}),
        "monitoring:report-add": reverse("monitoring:report-add", kwargs=d),
        "monitoring:report-edit": reverse("monitoring:report-edit", kwargs={"pk": report.pk}),
        "monitoring:schedule": reverse("monitoring:schedule"),
        "monitoring:methods": reverse("monitoring:methods"),
        "monitoring:templates": reverse("monitoring:templates"),
        "monitoring:template-create": reverse("monitoring:template-create"),
        "monitoring:template-edit": reverse(
            "monitoring:template-edit",
            kwargs={"pk": PlanTemplate.objects.order_by("tier").values_list("pk", flat=True)[0]},
        ),
    }


# --- actions ---
def _actions_pages(account: Account) -> dict[str, str]:
    """The actions pages on the demo's rows the demo manager may see."""
    from rapport.actions.models import Action, Idea, PersonalPlan, TeamActionPlan

    demo_user = User.objects.get(username=DEMO_USERNAME)
    teams = demo_user.memberships.values_list("team_id", flat=True)
    told = Action.objects.filter(team__in=teams, loop_closure__isnull=False).first()
    still_open = Action.objects.filter(team__in=teams, status="open").first()
    idea = Idea.objects.filter(team__in=teams, status="new").first()
    assert told
    assert still_open
    assert idea
    plan = TeamActionPlan.objects.filter(team__in=teams).first()
    personal = PersonalPlan.objects.filter(manager=demo_user).first()
    assert plan
    assert personal
    return {
        "actions:board": reverse("actions:board"),
        "actions:create": reverse("actions:create") + f"?source_kind=swot&account={account.pk}",
        "actions:detail": reverse("actions:detail", kwargs={"pk": told.pk}),
        "actions:edit": reverse("actions:edit", kwargs={"pk": still_open.pk}),
        "actions:escalations": reverse("actions:escalations"),
        "actions:loops": reverse("actions:loops"),
        "actions:ideas": reverse("actions:ideas"),
        "actions:idea-accept": reverse("actions:idea-accept", kwargs={"pk": idea.pk}),
        "actions:idea-decline": reverse("actions:idea-decline", kwargs={"pk": idea.pk}),
        "actions:plans": reverse("actions:plans"),
        "actions:plan": reverse("actions:plan", kwargs={"pk": plan.pk}),
        "actions:personal-plans": reverse("actions:personal-plans"),
        "actions:personal-plan": reverse("actions:personal-plan", kwargs={"pk": personal.pk}),
        "actions:performance": reverse("actions:performance"),
        "actions:team-managers": reverse("actions:team-managers", kwargs={"team_id": told.team_id}),
        "actions:account": reverse("actions:account", kwargs={"account_id": told.account_id}),
    }


# --- agreements ---
def _agreements_pages(a: dict[str, int]) -> dict[str, str]:
    from rapport.agreements.models import (
        AffectedAccount,
        ExpectationReview,
        Incident,
        NotificationTemplate,
    )

    mine = {"account__team__memberships__user__username": DEMO_USERNAME}
    review = ExpectationReview.objects.filter(outcome="not_met", **mine).order_by("pk").first()
    incident = Incident.objects.filter(team__memberships__user__username=DEMO_USERNAME).first()
    assert review is not None
    assert incident is not None
    affected = AffectedAccount.objects.filter(incident=incident).order_by("pk").first()
    template = NotificationTemplate.objects.filter(team=incident.team).first()
    assert affected is not None
    assert template is not None
    i = {"pk": incident.pk}
    return {
        "agreements:account-reviews": reverse("agreements:account-reviews", kwargs=a),
        "agreements:change-create": reverse("agreements:change-create", kwargs=a),
        "agreements:expectations": reverse("agreements:expectations"),
        "agreements:review-create": reverse(
            "agreements:review-create", kwargs={"expectation_id": review.expectation_id}
        ),
        "agreements:review-edit": reverse("agreements:review-edit", kwargs={"pk": review.pk}),
        "agreements:review-alternative-create": reverse(
            "agreements:review-alternative-create", kwargs={"review_id": review.pk}
        ),
        "agreements:incidents": reverse("agreements:incidents"),
        "agreements:incident-create": reverse("agreements:incident-create"),
        "agreements:incident": reverse("agreements:incident", kwargs=i),
        "agreements:incident-edit": reverse("agreements:incident-edit", kwargs=i),
        "agreements:incident-notify": reverse("agreements:incident-notify", kwargs=i),
        "agreements:affected-alternative-create": reverse(
            "agreements:affected-alternative-create", kwargs={"affected_id": affected.pk}
        ),
        "agreements:templates": reverse("agreements:templates"),
        "agreements:template-edit": reverse("agreements:template-edit", kwargs={"pk": template.pk}),
        "agreements: a reviewed account's expectations": reverse(
            "agreements:account-reviews", kwargs={"account_id": review.account_id}
        ),
    }


def _alert_pages(account: Account) -> dict[str, str]:
    from rapport.alerts.models import Alert, Rule

    alert = Alert.objects.order_by("-opened_at", "pk").first()
    rule = Rule.objects.filter(team__isnull=False).order_by("pk").first() or Rule.objects.first()
    assert alert is not None, "the demo opens alerts"
    assert rule is not None, "the demo has rules"
    return {
        "alerts:inbox": reverse("alerts:inbox"),
        "alerts:detail": reverse("alerts:detail", kwargs={"pk": alert.pk}),
        "alerts:rules": reverse("alerts:rules"),
        "alerts:rule-create": reverse("alerts:rule-create") + "?kind=complaints",
        "alerts:rule-edit": reverse("alerts:rule-edit", kwargs={"pk": rule.pk}),
        "alerts:rule-test": reverse("alerts:rule-test", kwargs={"pk": rule.pk}),
        "alerts:rule-test-draft": reverse("alerts:rule-test-draft")
        + f"?kind=commitment_overdue&scope=team&team={account.team_id}&param_grace_days=0",
        "alerts:account": reverse("alerts:account", kwargs={"account_id": alert.account_id}),
    }


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("node_modules/axe-core is missing: run `npm ci` (CI must check a11y)")
        pytest.skip("axe-core is not installed (npm ci)")
    return AXE.read_text()


@pytest.fixture
def demo(transactional_db: Any) -> dict[str, str]:
    load_demo(seed=7, stdout=io.StringIO(), scale=0.05)
    ImportJob.objects.create(  # the demo imports nothing; an import's page needs one
        created_by=User.objects.get(username=DEMO_USERNAME),
        file_name="crm-export.csv",
        file_path="",
        file_format="csv",
    )
    return _pages()


def test_every_page_is_listed(demo: dict[str, str]) -> None:
    """A new page cannot escape the accessibility check unnoticed."""
    missing = _route_names(get_resolver().url_patterns) - NOT_PAGES - set(demo)
    assert not missing, missing


def _serious_violations(page: Any, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
        })"""
    )
    found = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [" ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {json.dumps(targets)}")
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_no_serious_accessibility_violations(
    browser: Any, live_server: Any, demo: dict[str, str], axe_source: str, width: str
) -> None:
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/login/")
    report: dict[str, list[str]] = {}
    login_problems = _serious_violations(page, axe_source)
    if login_problems:
        report["core:login"] = login_problems
    page.fill("input[name=username]", DEMO_USERNAME)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button")
    page.wait_for_url(f"{live_server.url}/")
    for name, url in demo.items():
        if name == "core:login":
            continue
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        problems = _serious_violations(page, axe_source)
        if problems:
            report[name] = problems
    context.close()
    assert not report, json.dumps(report, indent=1)
