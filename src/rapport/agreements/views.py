"""Pages of agreements: expectation reviews per account and team-wide, agreement changes,
incidents with their notices, alternatives and effect, and notice templates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.agreements import selectors, services
from rapport.agreements.forms import (
    ActionForm,
    AgreementChangeForm,
    AlternativeForm,
    ChooseForm,
    IncidentForm,
    NoticeDoneForm,
    ReviewForm,
    TemplateForm,
    add_service_error,
)
from rapport.agreements.models import AffectedAccount, ExpectationReview, TemplateKind
from rapport.core.access import Capability, require, scope_of
from rapport.core.query import query_choice
from rapport.customers.selectors import accounts_for, get_account
from rapport.stats.metrics import metric_def


def _can(request: HttpRequest, capability: Capability, team_id: int | None) -> bool:
    return scope_of(request.user).can(capability, team_id)


def _teams_with(request: HttpRequest, capability: Capability) -> Any:
    teams = selectors.visible_teams(request.user)
    actor_scope = scope_of(request.user)
    if actor_scope.all_teams:
        return teams
    return teams.filter(pk__in=[t for t in actor_scope.roles if actor_scope.can(capability, t)])


def _int_param(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name, "") or str(default)
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"{name} is a whole number from {low} to {high}.")
    return int(raw)


def _team_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("team", "")
    if not raw:
        return None
    if not raw.isdigit() or not selectors.visible_teams(request.user).filter(pk=raw).exists():
        raise BadRequest("team is the id of one of your teams.")
    return int(raw)


# --- expectations -----------------------------------------------------------------------------


def account_reviews(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account(request.user, account_id)
    expectations = selectors.account_expectations(request.user, account_id=account.pk)
    changes = Paginator(
        selectors.changes_for(request.user, account_id=account.pk), settings.RAPPORT_PAGE_SIZE
    ).get_page(request.GET.get("changes"))
    can_review = _can(request, Capability.REVIEW_EXPECTATIONS, account.team_id)
    return render(
        request,
        "agreements/account_reviews.html",
        {
            "account": account,
            "expectations": expectations,
            "changes": changes,
            "can_review": can_review,
            "owners": (
                ActionForm(account=account).fields["owner"].queryset  # type: ignore[attr-defined]
                if can_review
                else ()
            ),
        },
    )


def _review_page(
    request: HttpRequest, *, expectation: Any, review: ExpectationReview | None
) -> HttpResponse:
    account = expectation.account
    require(request.user, Capability.REVIEW_EXPECTATIONS, account.team_id)
    form = ReviewForm(request.POST or None, instance=review)
    alternative = (
        AlternativeForm(request.POST or None, prefix="alt", initial={"currency": account.currency})
        if review is None
        else None
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        offered = []
        alt_given = alternative is not None and request.POST.get("alt-description", "").strip()
        if alt_given and alternative is not None and alternative.is_valid():
            offered.append(dict(alternative.cleaned_data))
        if not alt_given or offered:
            try:
                if review is None:
                    services.record_review(
                        actor=request.user,
                        expectation=expectation,
                        fields=fields,
                        alternatives=offered,
                    )
                    messages.success(request, "Review recorded.")
                else:
                    services.update_review(actor=request.user, review=review, changes=fields)
                    messages.success(request, "Review saved.")
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return redirect(
                    reverse("agreements:account-reviews", args=[account.pk])
                    + f"#expectation-{expectation.pk}"
                )
    status = 400 if form.errors or (alternative is not None and alternative.errors) else 200
    return render(
        request,
        "agreements/review_form.html",
        {
            "form": form,
            "alternative": alternative,
            "expectation": expectation,
            "account": account,
            "review": review,
        },
        status=status,
    )


def review_create(request: HttpRequest, expectation_id: int) -> HttpResponse:
    expectation = selectors.get_expectation(request.user, expectation_id)
    return _review_page(request, expectation=expectation, review=None)


def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.get_review(request.user, pk)
    return _review_page(request, expectation=review.expectation, review=review)


@require_POST
def review_delete(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.get_review(request.user, pk)
    account_id = review.account_id
    services.delete_review(actor=request.user, review=review)
    messages.success(request, "Review deleted.")
    return redirect("agreements:account-reviews", account_id=account_id)


@require_POST
def review_action(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.get_review(request.user, pk)
    account = review.account
    require(request.user, Capability.REVIEW_EXPECTATIONS, account.team_id)
    form = ActionForm(request.POST, account=account, prefix="action")
    back = reverse("agreements:account-reviews", args=[account.pk]) + f"#review-{review.pk}"
    if not form.is_valid():
        problems = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
        messages.error(request, f"No action was opened — {problems}")
        return redirect(back)
    try:
        services.open_review_action(
            actor=request.user,
            review=review,
            owner=form.cleaned_data["owner"],
            due_on=form.cleaned_data["due_on"],
            severity=form.cleaned_data["severity"],
            source_url=back,
        )
    except ValidationError as error:
        messages.error(request, f"No action was opened — {'; '.join(error.messages)}")
    else:
        messages.success(request, "Action opened.")
    return redirect(back)


def _alternative_page(
    request: HttpRequest,
    *,
    review: ExpectationReview | None = None,
    affected: AffectedAccount | None = None,
) -> HttpResponse:
    account = review.account if review is not None else affected.account  # type: ignore[union-attr]
    if review is not None:
        require(request.user, Capability.REVIEW_EXPECTATIONS, account.team_id)
        back = reverse("agreements:account-reviews", args=[account.pk]) + f"#review-{review.pk}"
    else:
        require(request.user, Capability.MANAGE_INCIDENTS, account.team_id)
        back = (
            reverse("agreements:incident", args=[affected.incident_id])  # type: ignore[union-attr]
            + f"#affected-{affected.pk}"  # type: ignore[union-attr]
        )
    form = AlternativeForm(request.POST or None, initial={"currency": account.currency})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_alternative(
                actor=request.user,
                review=review,
                affected_account=affected,
                fields=dict(form.cleaned_data),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Alternative recorded.")
            return redirect(back)
    return render(
        request,
        "agreements/alternative_form.html",
        {"form": form, "account": account, "review": review, "affected": affected, "back": back},
        status=400 if form.errors else 200,
    )


def review_alternative_create(request: HttpRequest, review_id: int) -> HttpResponse:
    return _alternative_page(request, review=selectors.get_review(request.user, review_id))


def affected_alternative_create(request: HttpRequest, affected_id: int) -> HttpResponse:
    return _alternative_page(request, affected=selectors.get_affected(request.user, affected_id))


def _alternative_back(alternative: Any) -> str:
    if alternative.review_id:
        return (
            reverse("agreements:account-reviews", args=[alternative.review.account_id])
            + f"#review-{alternative.review_id}"
        )
    affected = alternative.affected_account
    return reverse("agreements:incident", args=[affected.incident_id]) + f"#affected-{affected.pk}"


@require_POST
def alternative_choose(request: HttpRequest, pk: int) -> HttpResponse:
    alternative = selectors.get_alternative(request.user, pk)
    form = ChooseForm(request.POST)
    agreed = form.cleaned_data["agreed_outcome"] if form.is_valid() else ""
    services.choose_alternative(actor=request.user, alternative=alternative, agreed_outcome=agreed)
    messages.success(request, "The customer's choice is recorded.")
    return redirect(_alternative_back(alternative))


@require_POST
def alternative_delete(request: HttpRequest, pk: int) -> HttpResponse:
    alternative = selectors.get_alternative(request.user, pk)
    back = _alternative_back(alternative)
    services.delete_alternative(actor=request.user, alternative=alternative)
    messages.success(request, "Alternative deleted.")
    return redirect(back)


def expectations_overview(request: HttpRequest) -> HttpResponse:
    """Team-wide: the expectations due for review and those not (fully) met now."""
    team_id = _team_param(request)
    days = _int_param(request, "days", selectors.REVIEW_EVERY_DAYS, 1, 3650)
    due = Paginator(
        selectors.review_schedule(request.user, days=days, team_id=team_id),
        settings.RAPPORT_PAGE_SIZE,
    ).get_page(request.GET.get("due"))
    unmet = Paginator(
        selectors.team_unmet(request.user, team_id=team_id), settings.RAPPORT_PAGE_SIZE
    ).get_page(request.GET.get("unmet"))
    return render(
        request,
        "agreements/expectations.html",
        {
            "due": due,
            "unmet": unmet,
            "days": days,
            "team_id": team_id,
            "teams": selectors.visible_teams(request.user),
        },
    )


# --- agreement changes ------------------------------------------------------------------------


def agreement_change_create(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account(request.user, account_id)
    require(request.user, Capability.REVIEW_EXPECTATIONS, account.team_id)
    form = AgreementChangeForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        contacts = list(data.pop("contacts"))
        template = data.pop("template")
        try:
            change = services.record_agreement_change(
                actor=request.user,
                account=account,
                fields=data,
                contacts=contacts,
                template=template,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            told = change.notices.values_list("status", flat=True)
            messages.success(
                request,
                f"Change recorded: {sum(s == 'queued' for s in told)} e-mailed, "
                f"{sum(s == 'due' for s in told)} to tell by another channel, "
                f"{sum(s == 'skipped' for s in told)} not contacted.",
            )
            return redirect(reverse("agreements:account-reviews", args=[account.pk]) + "#changes")
    return render(
        request,
        "agreements/change_form.html",
        {"form": form, "account": account},
        status=400 if form.errors else 200,
    )


# --- incidents --------------------------------------------------------------------------------


def incidents(request: HttpRequest) -> HttpResponse:
    team_id = _team_param(request)
    page = Paginator(
        selectors.incidents_for(request.user, team_id=team_id), settings.RAPPORT_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    due = list(selectors.due_notices(request.user).order_by("due_on", "pk")[:50])
    return render(
        request,
        "agreements/incidents.html",
        {
            "page": page,
            "due": due,
            "team_id": team_id,
            "teams": selectors.visible_teams(request.user),
            "can_manage": _teams_with(request, Capability.MANAGE_INCIDENTS).exists(),
        },
    )


def incident_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    incident = selectors.get_incident(request.user, pk) if pk else None
    teams = _teams_with(request, Capability.MANAGE_INCIDENTS)
    if incident is not None:
        require(request.user, Capability.MANAGE_INCIDENTS, incident.team_id)
        team_ids = [incident.team_id]
    else:
        if not teams.exists():
            raise PermissionDenied("You may not manage incidents here.")
        posted_team = request.POST.get("team", "")
        team_ids = (
            [int(posted_team)]
            if posted_team.isdigit()
            else list(teams.values_list("pk", flat=True))
        )
    accounts = accounts_for(request.user).filter(team_id__in=team_ids).order_by("name")
    initial = (
        {"accounts": list(incident.affected.values_list("account_id", flat=True))}
        if incident
        else {}
    )
    form = IncidentForm(
        request.POST or None,
        instance=incident,
        teams=teams,
        accounts=accounts,
        editing=incident is not None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        account_ids = [a.pk for a in data.pop("accounts")]
        try:
            if incident is None:
                team = data.pop("team")
                incident = services.create_incident(
                    actor=request.user, team=team, fields=data, account_ids=account_ids
                )
                messages.success(request, "Incident recorded.")
            else:
                services.update_incident(actor=request.user, incident=incident, changes=data)
                services.set_affected_accounts(
                    actor=request.user, incident=incident, account_ids=account_ids
                )
                messages.success(request, "Incident saved.")
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect("agreements:incident", pk=incident.pk)
    return render(
        request,
        "agreements/incident_form.html",
        {"form": form, "incident": incident},
        status=400 if form.errors else 200,
    )


def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.get_incident(request.user, pk)
    metric = query_choice(request.GET, "metric", selectors.EFFECT_METRICS, "nps")
    weeks = _int_param(request, "weeks", selectors.effect_weeks(incident), 1, 52)
    can_manage = _can(request, Capability.MANAGE_INCIDENTS, incident.team_id)
    notices = selectors.incident_notices(incident)
    return render(
        request,
        "agreements/incident_detail.html",
        {
            "incident": incident,
            "affected": selectors.affected_accounts(incident),
            "notices": notices,
            "counts": {
                status: sum(n.status == status for n in notices)
                for status in ("queued", "due", "done", "skipped")
            },
            "effect": selectors.incident_effect(incident=incident, metric=metric, weeks=weeks),
            "metric": metric,
            "unit": metric_def(metric).unit,
            "weeks": weeks,
            "metrics": selectors.EFFECT_METRICS,
            "can_manage": can_manage,
            "templates": selectors.templates_for(
                request.user, team_id=incident.team_id, kind=TemplateKind.INCIDENT
            ),
            "done_form": NoticeDoneForm(),
        },
    )


@require_POST
def incident_delete(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.get_incident(request.user, pk)
    services.delete_incident(actor=request.user, incident=incident)
    messages.success(request, "Incident deleted.")
    return redirect("agreements:incidents")


@require_POST
def affected_update(request: HttpRequest, pk: int) -> HttpResponse:
    affected = selectors.get_affected(request.user, pk)
    changes = {
        name: request.POST.get(name, "")[:5000]
        for name in ("impact", "agreed_outcome")
        if name in request.POST
    }
    services.update_affected_account(actor=request.user, affected=affected, changes=changes)
    messages.success(request, f"{affected.account.name} saved.")
    return redirect(
        reverse("agreements:incident", args=[affected.incident_id]) + f"#affected-{affected.pk}"
    )


def incident_notify(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview each key contact's notice from the chosen template, then send them."""
    incident = selectors.get_incident(request.user, pk)
    require(request.user, Capability.MANAGE_INCIDENTS, incident.team_id)
    templates = selectors.templates_for(
        request.user, team_id=incident.team_id, kind=TemplateKind.INCIDENT
    )
    chosen = request.POST.get("template") or request.GET.get("template") or ""
    template = None
    if chosen:
        if not chosen.isdigit() or not templates.filter(pk=chosen).exists():
            raise BadRequest("template is the id of one of this team's incident templates.")
        template = templates.get(pk=chosen)
    elif incident.template_id and templates.filter(pk=incident.template_id).exists():
        template = incident.template
    elif templates.exists():
        template = templates.first()
    told = set(incident.notices.values_list("contact_id", flat=True))
    contacts = services.key_contacts(incident.affected.values_list("account_id", flat=True))
    if request.method == "POST":
        if template is None:
            raise BadRequest("Choose a template first.")
        ids = [int(v) for v in request.POST.getlist("contacts") if v.isdigit()]
        try:
            sent = services.notify_incident(
                actor=request.user, incident=incident, template=template, contact_ids=ids
            )
        except ValidationError as error:
            messages.error(request, "Nothing was sent — " + "; ".join(error.messages))
        else:
            messages.success(
                request,
                f"{sum(n.status == 'queued' for n in sent)} e-mailed, "
                f"{sum(n.status == 'due' for n in sent)} to tell by another channel, "
                f"{sum(n.status == 'skipped' for n in sent)} not contacted.",
            )
            return redirect(reverse("agreements:incident", args=[incident.pk]) + "#notices")
    previews = [
        {
            "contact": contact,
            "told": contact.pk in told,
            "message": services.incident_message(
                incident=incident, contact=contact, template=template
            )
            if template
            else None,
        }
        for contact in contacts
    ]
    return render(
        request,
        "agreements/incident_notify.html",
        {
            "incident": incident,
            "templates": templates,
            "template": template,
            "previews": previews,
            "to_tell": any(not p["told"] for p in previews),
        },
    )


@require_POST
def notice_done(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.get_notice(request.user, pk)
    form = NoticeDoneForm(request.POST)
    summary = form.cleaned_data["summary"] if form.is_valid() else ""
    try:
        services.complete_notice(actor=request.user, notice=notice, summary=summary)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, f"Notice to {notice.contact.name} logged.")
    if notice.incident_id:
        return redirect(reverse("agreements:incident", args=[notice.incident_id]) + "#notices")
    return redirect(reverse("agreements:account-reviews", args=[notice.account_id]) + "#changes")


# --- templates --------------------------------------------------------------------------------


def templates_page(request: HttpRequest) -> HttpResponse:
    teams = _teams_with(request, Capability.MANAGE_INCIDENTS)
    form = TemplateForm(request.POST or None, teams=teams) if teams.exists() else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("You may not edit templates here.")
        if form.is_valid():
            data = dict(form.cleaned_data)
            team = data.pop("team")
            try:
                services.create_template(actor=request.user, team=team, fields=data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Template saved.")
                return redirect("agreements:templates")
    return render(
        request,
        "agreements/templates.html",
        {
            "templates": selectors.templates_for(request.user),
            "form": form,
            "editable": set(teams.values_list("pk", flat=True)),
        },
        status=400 if form is not None and form.errors else 200,
    )


def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.get_template(request.user, pk)
    require(request.user, Capability.MANAGE_INCIDENTS, template.team_id)
    form = TemplateForm(
        request.POST or None, instance=template, teams=selectors.visible_teams(request.user),
        editing=True,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.update_template(
                actor=request.user, template=template, changes=dict(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Template saved.")
            return redirect("agreements:templates")
    return render(
        request,
        "agreements/template_form.html",
        {"form": form, "template": template},
        status=400 if form.errors else 200,
    )


@require_POST
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.get_template(request.user, pk)
    services.delete_template(actor=request.user, template=template)
    messages.success(request, "Template deleted.")
    return redirect("agreements:templates")
