"""The webhook endpoint form; its team choices are the teams the actor manages."""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.core.access import Actor
from rapport.core.models import Team
from rapport.notifications.events import event_choices
from rapport.notifications.selectors import managed_team_ids


class EndpointForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where events are POSTed (https://…). Private and loopback addresses are "
        "refused.",
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, help_text="Sent only for the events ticked."
    )
    active = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, actor: Actor, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = managed_team_ids(actor)
        queryset = Team.objects.all() if teams is None else Team.objects.filter(pk__in=teams)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = queryset.order_by("name")
        if teams is not None and len(teams) == 1:
            team_field.empty_label = None  # the one team they manage, chosen already
        events_field = self.fields["events"]
        assert isinstance(events_field, forms.MultipleChoiceField)
        events_field.choices = [(name, f"{name} — {text}") for name, text in event_choices()]
        if editing:
            del self.fields["team"]  # an endpoint stays with its team
