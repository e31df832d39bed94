"""Forms of the actions pages; choices limited to what the actor may use."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from rapport.actions.models import ActionStatus, Severity, SourceKind, TeamActionPlan
from rapport.core.access import Actor, Capability, scope_of
from rapport.core.models import Team, User
from rapport.customers.models import Account, Channel, Contact

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def teams_where(actor: Actor, capability: Capability) -> QuerySet[Team]:
    actor_scope = scope_of(actor)
    if actor_scope.all_teams:
        return Team.objects.all()
    ids = [t for t in actor_scope.roles if actor_scope.can(capability, t)]
    return Team.objects.filter(pk__in=ids)


def members_of(team_ids: Any) -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, memberships__team_id__in=team_ids)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class ActionForm(forms.Form):
    """Open an action (the team decides whose members may own it)."""

    team = forms.ModelChoiceField(queryset=Team.objects.none())
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False)
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MEDIUM)
    due_on = forms.DateField(
        widget=DATE, required=False, help_text="Empty: set from the severity (critical 2 days …)."
    )
    metric = forms.CharField(
        max_length=64, required=False, help_text="The metric it should move: nps, csat, ces …"
    )
    plan = forms.ModelChoiceField(queryset=TeamActionPlan.objects.none(), required=False)
    source_kind = forms.ChoiceField(choices=SourceKind.choices, initial=SourceKind.MANUAL)
    source_ref = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)
    source_url = forms.CharField(max_length=500, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = teams_where(actor, Capability.MANAGE_ACTIONS)
        team_ids = list(teams.values_list("pk", flat=True))
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["account"].queryset = Account.objects.filter(  # type: ignore[attr-defined]
            team_id__in=team_ids
        ).order_by("name")
        # Every member of these teams; the service refuses one of another team (422 / error).
        self.fields["owner"].queryset = members_of(team_ids)  # type: ignore[attr-defined]
        self.fields["plan"].queryset = TeamActionPlan.objects.filter(  # type: ignore[attr-defined]
            team_id__in=team_ids
        )
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username  # type: ignore[attr-defined]


class ActionEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    severity = forms.ChoiceField(choices=Severity.choices)
    due_on = forms.DateField(widget=DATE)
    metric = forms.CharField(max_length=64, required=False)
    plan = forms.ModelChoiceField(queryset=TeamActionPlan.objects.none(), required=False)

    def __init__(self, *args: Any, team_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of([team_id])  # type: ignore[attr-defined]
        self.fields["plan"].queryset = TeamActionPlan.objects.filter(team_id=team_id)  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)
    outcome = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Needed to mark it done: what was done, and what changed.",
    )


class LoopClosureForm(forms.Form):
    told_what = forms.CharField(
        label="What the customer was told", widget=forms.Textarea(attrs={"rows": 3})
    )
    told_at = forms.DateTimeField(label="When", widget=DATETIME)
    channel = forms.ChoiceField(choices=Channel.choices)
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, account_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = Contact.objects.filter(account_id=account_id)  # type: ignore[attr-defined]
        self.fields["told_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class IdeaForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    text = forms.CharField(label="Your idea", widget=forms.Textarea(attrs={"rows": 3}))
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False)
    metric = forms.CharField(max_length=64, required=False, help_text="e.g. nps, csat, ces")

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = teams_where(actor, Capability.CONTRIBUTE_IDEAS)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["account"].queryset = Account.objects.filter(  # type: ignore[attr-defined]
            team__in=teams
        ).order_by("name")


class AcceptIdeaForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MEDIUM)

    def __init__(self, *args: Any, team_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of([team_id])  # type: ignore[attr-defined]


class DeclineIdeaForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ActionPlanForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    title = forms.CharField(max_length=200)
    objective = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    period_start = forms.DateField(widget=DATE)
    period_end = forms.DateField(widget=DATE)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_where(actor, Capability.DECIDE_IDEAS)  # type: ignore[attr-defined]


class PersonalPlanForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    person = forms.ModelChoiceField(queryset=User.objects.none())
    title = forms.CharField(max_length=200)
    period_start = forms.DateField(widget=DATE)
    period_end = forms.DateField(widget=DATE)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = teams_where(actor, Capability.MANAGE_PEOPLE)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["person"].queryset = members_of(  # type: ignore[attr-defined]
            teams.values_list("pk", flat=True)
        ).exclude(pk=actor.pk or 0)


class GoalForm(forms.Form):
    goal = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(widget=DATE)


class ReviewForm(forms.Form):
    note = forms.CharField(label="Review", widget=forms.Textarea(attrs={"rows": 2}))
