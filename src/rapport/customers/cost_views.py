"""Add, edit and delete cost entries from the account's Health & profit tab."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.core.access import Capability, require
from rapport.customers import cost_selectors, cost_services
from rapport.customers.forms import CostEntryForm
from rapport.customers.selectors import get_account

COST_FIELDS = ("date", "kind", "amount", "hours", "note")


def _back(account_id: int) -> str:
    return reverse("analytics:health", args=[account_id]) + "#costs"


@require_POST
def cost_entry_create(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account(request.user, account_id)
    require(request.user, Capability.EDIT_ACCOUNTS, account.team_id)
    form = CostEntryForm(request.POST, account=account)
    if form.is_valid():
        data = {k: form.cleaned_data[k] for k in COST_FIELDS}
        try:
            entry = cost_services.create_cost_entry(
                actor=request.user, account=account, fields=data
            )
        except (ValueError, ValidationError) as error:
            messages.error(request, f"The cost entry was not saved: {error}")
        else:
            messages.success(
                request,
                f"{entry.get_kind_display()} of {entry.amount:,.2f} {entry.currency} saved.",
            )
        return redirect(_back(account.pk))
    problems = "; ".join(
        f"{form.fields[name].label if name in form.fields else 'entry'}: "
        + " ".join(str(e) for e in errors)
        for name, errors in form.errors.items()
    )
    messages.error(request, f"The cost entry was not saved — {problems}")
    return redirect(_back(account.pk))


def cost_entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = cost_selectors.get_cost_entry(request.user, pk)  # 404 for another team's entry
    account = entry.account
    require(request.user, Capability.EDIT_ACCOUNTS, account.team_id)
    form = CostEntryForm(request.POST or None, instance=entry, account=account)
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in COST_FIELDS}
        changed = cost_services.update_cost_entry(actor=request.user, entry=entry, changes=changes)
        messages.success(request, "Cost entry saved." if changed else "Nothing changed.")
        return redirect(_back(account.pk))
    context = {"form": form, "entry": entry, "account": account}
    return render(
        request, "customers/cost_entry_form.html", context, status=400 if form.errors else 200
    )


@require_POST
def cost_entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = cost_selectors.get_cost_entry(request.user, pk)
    account_id = entry.account_id
    cost_services.delete_cost_entry(actor=request.user, entry=entry)
    messages.success(request, "Cost entry deleted.")
    return redirect(_back(account_id))
