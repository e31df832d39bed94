"""The forms that edit an account and its relationship records (the portfolio and the account
page, which compose several apps, are in rapport.workspace)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rapport.core.access import Capability, require
from rapport.customers import selectors, services
from rapport.customers.forms import RELATED_FORMS, AccountForm
from rapport.customers.models import Communication


def account_form(request: HttpRequest, account_id: int | None = None) -> HttpResponse:
    account = selectors.get_account(request.user, account_id) if account_id else None
    # A role that may edit accounts in none of its teams has no form to fill.
    require(request.user, Capability.EDIT_ACCOUNTS, account.team_id if account else None)
    form = AccountForm(request.POST or None, instance=account, actor=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        try:
            if account is None:
                account = services.create_account(actor=request.user, fields=fields)
                messages.success(request, f"Account “{account.name}” created.")
            else:
                services.update_account(actor=request.user, account=account, changes=fields)
                messages.success(request, "Account saved.")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("customers:account", account_id=account.pk)
    return render(request, "customers/account_form.html", {"form": form, "account": account})


def _related_kind(kind: str) -> Any:
    if kind not in RELATED_FORMS:
        raise Http404("Unknown record type.")
    return RELATED_FORMS[kind]


def related_form(
    request: HttpRequest, kind: str, account_id: int | None = None, pk: int | None = None
) -> HttpResponse:
    """Create (account_id given) or edit (pk given) a contact, commitment, communication, …"""
    form_class = _related_kind(kind)
    model = form_class._meta.model
    instance = selectors.get_related(request.user, model, pk) if pk else None
    account = instance.account if instance else selectors.get_account(request.user, account_id or 0)
    require(request.user, Capability.EDIT_RELATIONSHIP, account.team_id)
    form = form_class(request.POST or None, instance=instance, account=account)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if model is Communication:
                contacts = list(data.pop("contacts", []))
                if instance is None:
                    services.log_communication(
                        actor=request.user, account=account, fields=data, contacts=contacts
                    )
                else:
                    services.update_communication(
                        actor=request.user, communication=instance, changes=data, contacts=contacts
                    )
            elif instance is None:
                services.create_related(
                    actor=request.user, model=model, account=account, fields=data
                )
            else:
                services.update_related(actor=request.user, instance=instance, changes=data)
        except ValidationError as error:
            form.add_error(None, error)  # a message keyed by a field goes on that field
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{model._meta.verbose_name.capitalize()} saved.")
            return redirect("customers:account", account_id=account.pk)
    context = {
        "form": form,
        "account": account,
        "instance": instance,
        "kind": kind,
        "label": model._meta.verbose_name,
    }
    return render(request, "customers/related_form.html", context)


@require_POST
def related_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = _related_kind(kind)._meta.model
    instance = selectors.get_related(request.user, model, pk)
    account_id = instance.account_id
    services.delete_related(actor=request.user, instance=instance)
    messages.success(request, f"{model._meta.verbose_name.capitalize()} deleted.")
    return redirect("customers:account", account_id=account_id)
