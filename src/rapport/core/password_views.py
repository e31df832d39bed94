"""Changing one's own password. Apart from core.views, which settings' logging imports before
the apps are ready (its log filter), so it must not import the auth forms or models."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy

from rapport.core.services import change_password


class PasswordChange(auth_views.PasswordChangeView):
    """Django's password change in the app's shell; the change goes through the service, which
    writes its audit event, and the person stays signed in."""

    template_name = "core/password_change.html"
    success_url = reverse_lazy("core:password-change")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        change_password(actor=form.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, "Password changed.")
        return HttpResponseRedirect(self.get_success_url())
