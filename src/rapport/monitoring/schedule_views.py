"""Pages of the schedule: the account's monitoring calendar, the team's schedule and
adherence, the comparison of methods, the templates; marking an activity done."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.core.access import Capability, scope_of
from rapport.core.models import Team, User
from rapport.customers.models import Tier
from rapport.customers.selectors import accounts_for, get_account
from rapport.monitoring import evaluation, scheduling, selectors, services
from rapport.monitoring.forms import CompleteForm, TemplateForm
from rapport.monitoring.models import ActivityStatus, PlanTemplate
from rapport.monitoring.recurrence import describe, organisation_zone

UPCOMING_DAYS = 30


def _month(raw: str, today: date) -> date:
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        return today.replace(day=1)


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    zone = organisation_zone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )


def _rows(activities: list[Any], now: datetime) -> list[dict[str, Any]]:
    zone = organisation_zone()
    return [
        {
            "a": a,
            "local": a.due_at.astimezone(zone),
            "state": selectors.overdue_text(a, now),
            "overdue": selectors.is_overdue(a, now),
        }
        for a in activities
    ]


def calendar_page(request: HttpRequest, account_id: int) -> HttpResponse:
    """The account's planned activities: a month grid and the same month as a list."""
    account = get_account(request.user, account_id)
    now = timezone.now()
    today = timezone.localdate()
    first = _month(request.GET.get("month", ""), today)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    low, high = _bounds(first, last)
    activities = list(
        selectors.activities_for(request.user)
        .filter(account_id=account.pk, due_at__gte=low, due_at__lt=high)
        .order_by("due_at", "pk")
    )
    rows = _rows(activities, now)
    by_day: dict[date, list[dict[str, Any]]] = {}
    for row in rows:
        by_day.setdefault(row["local"].date(), []).append(row)
    weeks = [
        [{"day": d, "in_month": d.month == first.month, "today": d == today,
          "rows": by_day.get(d, [])} for d in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]  # fmt: skip
    overdue = list(
        selectors.activities_for(request.user)
        .filter(account_id=account.pk, status=ActivityStatus.DUE, late_after__lte=now)
        .order_by("due_at")[:50]
    )
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    context = {
        "account": account,
        "plan": selectors.plan_for_account(request.user, account),
        "month": first,
        "previous": f"{previous:%Y-%m}",
        "next": f"{following:%Y-%m}",
        "weeks": weeks,
        "rows": rows,
        "overdue": _rows(overdue, now),
        "can_record": scope_of(request.user).can(Capability.RECORD_ACTIVITIES, account.team_id),
        "complete_form": CompleteForm(),
    }
    return render(request, "monitoring/calendar.html", context)


@require_POST
def activity_done(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity(request.user, pk)
    form = CompleteForm(request.POST)
    month = f"{activity.due_at.astimezone(organisation_zone()):%Y-%m}"
    if not form.is_valid():
        messages.error(request, "Check the date and the numbers.")
    else:
        data = form.cleaned_data
        try:
            scheduling.complete_activity(
                actor=request.user,
                activity=activity,
                done_at=data["done_at"],
                note=data["note"],
                invited=data["invited"],
                responses=data["responses"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{activity.get_kind_display()} recorded as done.")
    url = reverse("monitoring:calendar", args=[activity.account_id])
    return redirect(f"{url}?month={month}")


def team_schedule(request: HttpRequest) -> HttpResponse:
    """Overdue and upcoming activities across the accounts you may see, and adherence by
    team, account and owner over the last 90 days."""
    now = timezone.now()
    today = timezone.localdate()
    accounts = accounts_for(request.user)
    team_id = request.GET.get("team", "")
    if team_id.isdigit():
        accounts = accounts.filter(team_id=int(team_id))
    _low, high = _bounds(today, today + timedelta(days=UPCOMING_DAYS))
    open_rows = selectors.activities_for(request.user).filter(
        account__in=accounts, status=ActivityStatus.DUE
    )
    overdue = Paginator(
        open_rows.filter(late_after__lte=now).order_by("due_at", "pk"), settings.RAPPORT_PAGE_SIZE
    ).get_page(request.GET.get("overdue_page"))
    upcoming = Paginator(
        open_rows.filter(late_after__gt=now, due_at__lt=high).order_by("due_at", "pk"),
        settings.RAPPORT_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    start = today - timedelta(days=selectors.ADHERENCE_DAYS - 1)
    overall = selectors.adherence(accounts=accounts, start=start, end=today, now=now)
    per_account = selectors.adherence_by_account(accounts=accounts, start=start, end=today)
    per_owner = selectors.adherence_by_owner(accounts=accounts, start=start, end=today)
    per_team = selectors.adherence_by_team(accounts=accounts, start=start, end=today)
    scope = scope_of(request.user)
    teams = Team.objects.all() if scope.all_teams else Team.objects.filter(pk__in=scope.team_ids)
    names = dict(accounts.filter(pk__in=list(per_account)).values_list("pk", "name"))
    owners = {u.pk: u for u in User.objects.filter(pk__in=[k for k in per_owner if k])}
    team_choices = list(teams.values_list("pk", "name"))
    team_names = dict(team_choices)
    context = {
        "overall": overall,
        "per_team": sorted(
            ((team_names.get(pk, "?"), a) for pk, a in per_team.items()), key=lambda row: row[0]
        ),
        "per_account": sorted(
            ((names.get(pk, "?"), pk, a) for pk, a in per_account.items()),
            key=lambda row: (row[2].share if row[2].share is not None else 2, row[0]),
        ),
        "per_owner": sorted(
            (
                (
                    (owners[pk].get_full_name() or owners[pk].username)
                    if pk in owners
                    else "no owner",
                    a,
                )
                for pk, a in per_owner.items()
            ),
            key=lambda row: row[0],
        ),
        "overdue": overdue,
        "overdue_rows": _rows(list(overdue), now),
        "upcoming": upcoming,
        "upcoming_rows": _rows(list(upcoming), now),
        "teams": team_choices,
        "team": int(team_id) if team_id.isdigit() else None,
        "start": start,
        "today": today,
        "days": UPCOMING_DAYS,
    }
    return render(request, "monitoring/team_schedule.html", context)


def methods_page(request: HttpRequest) -> HttpResponse:
    """Methods compared across the accounts you may see: which give coverage per cost."""
    raw = request.GET.get("days", "")
    days = int(raw) if raw.isdigit() and 7 <= int(raw) <= 730 else evaluation.DEFAULT_DAYS
    accounts = accounts_for(request.user)
    team_id = request.GET.get("team", "")
    if team_id.isdigit():
        accounts = accounts.filter(team_id=int(team_id))
    result = evaluation.evaluate_methods(accounts=accounts, days=days)
    names = dict(
        accounts.filter(pk__in={a for a, _k in result.per_account}).values_list("pk", "name")
    )
    per_account = sorted(
        ((names.get(a, "?"), f) for (a, _k), f in result.per_account.items()),
        key=lambda row: (row[0], row[1].label),
    )
    scope = scope_of(request.user)
    teams = Team.objects.all() if scope.all_teams else Team.objects.filter(pk__in=scope.team_ids)
    context = {
        "result": result,
        "ranked": result.ranked(),
        "per_account": Paginator(per_account, settings.RAPPORT_PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "days": days,
        "teams": list(teams.values_list("pk", "name")),
        "team": int(team_id) if team_id.isdigit() else None,
        "day_choices": (30, 90, 180, 365),
    }
    return render(request, "monitoring/methods.html", context)


def templates_page(request: HttpRequest) -> HttpResponse:
    """The organisation's plan template per tier (a plan can start from its tier's)."""
    rows = [
        {
            "t": t,
            "methods": [
                (
                    m.get("title") or m.get("kind", "").replace("_", " ").capitalize(),
                    describe(str(m.get("recurrence", ""))),
                )
                for m in t.methods
            ],
        }
        for t in PlanTemplate.objects.all()
    ]
    can_manage = scope_of(request.user).can(Capability.MANAGE_PLAN_TEMPLATES, None)
    missing = len(rows) < len(Tier.choices)
    return render(
        request,
        "monitoring/templates.html",
        {"rows": rows, "can_manage": can_manage, "missing_tiers": missing},
    )


def _template_form(request: HttpRequest, existing: PlanTemplate | None) -> HttpResponse:
    """GET: the form for a new template (its tier chosen) or an existing one; POST: save it
    (managers and administrators: MANAGE_PLAN_TEMPLATES)."""
    if not scope_of(request.user).can(Capability.MANAGE_PLAN_TEMPLATES, None):
        raise PermissionDenied("You may not manage plan templates.")
    form = TemplateForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        tier = existing.tier if existing else form.cleaned_data["tier"]
        fields = {name: form.cleaned_data[name] for name in form.fields if name != "tier"}
        try:
            services.save_template(actor=request.user, tier=tier, fields=fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"The {Tier(tier).label.lower()} template is saved.")
            return redirect("monitoring:templates")
    return render(
        request,
        "monitoring/template_edit.html",
        {"form": form, "existing": existing},
        status=422 if request.method == "POST" else 200,
    )


def template_create(request: HttpRequest) -> HttpResponse:
    return _template_form(request, None)


def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = PlanTemplate.objects.filter(pk=pk).first()
    # As the plan editor does: a record one may not change is not found for editing.
    if template is None or not scope_of(request.user).can(Capability.MANAGE_PLAN_TEMPLATES, None):
        raise Http404("No such template to change.")
    return _template_form(request, template)
