"""The signed-in user's own API tokens: create (shown once) and revoke."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rapport.api import selectors, services
from rapport.core.models import User


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “CRM sync”.")


def tokens(request: HttpRequest) -> HttpResponse:
    new_token = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, new_token = services.issue_token(
            actor=request.user, user=cast(User, request.user), name=form.cleaned_data["name"]
        )
        form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": selectors.active_tokens(request.user), "new_token": new_token},
    )


@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.get_active_token(request.user, token_id)
    services.revoke_token(actor=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api-tokens")
