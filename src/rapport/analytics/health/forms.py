"""Forms of the health pages: a team's weights (one field per registered component) and a
loyalty proposal for the segment on screen."""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.analytics.health.scoring import COMPONENTS, Weighting
from rapport.analytics.health.services import WEIGHT_MAX
from rapport.analytics.models import LoyaltyProposal
from rapport.core.models import User


class WeightsForm(forms.Form):
    green_from = forms.IntegerField(label="Green from", min_value=1, max_value=100)
    amber_from = forms.IntegerField(label="Amber from", min_value=1, max_value=99)
    renewal_days = forms.IntegerField(
        label="Flag renewals within (days)", min_value=1, max_value=730
    )

    def __init__(self, *args: Any, weighting: Weighting, **kwargs: Any) -> None:
        initial = {
            "green_from": weighting.green_from,
            "amber_from": weighting.amber_from,
            "renewal_days": weighting.renewal_days,
        } | {f"w_{key}": weighting.weight(key) for key in COMPONENTS}
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for key, component in COMPONENTS.items():
            self.fields[f"w_{key}"] = forms.IntegerField(
                label=component.label,
                min_value=0,
                max_value=WEIGHT_MAX,
                help_text=f"{component.description} (default {component.default_weight})",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        green, amber = data.get("green_from"), data.get("amber_from")
        if green is not None and amber is not None and amber >= green:
            self.add_error("amber_from", "Amber must start below green.")
        weights = [data.get(f"w_{k}") for k in COMPONENTS]
        if all(w is not None for w in weights) and not any(weights):
            raise forms.ValidationError("At least one component needs a weight above 0.")
        return data

    def weights(self) -> dict[str, int]:
        return {key: int(self.cleaned_data[f"w_{key}"]) for key in COMPONENTS}


class ProposalForm(forms.ModelForm):
    class Meta:
        model = LoyaltyProposal
        fields = ["title", "description", "status", "owner"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, team_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__team_id=team_id, is_active=True
        ).order_by("first_name", "last_name")
