"""The organisation's theme taxonomy: the standard starting set, edits, and the version in force.

One taxonomy for the whole organisation (every team), so theme shares add up across teams and
one classifier learns from every team's labels. Editing it needs MANAGE_THEMES in some team.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from rapport.core.access import Actor, Capability, require
from rapport.core.models import AuditAction
from rapport.core.services import record_audit
from rapport.enrichment.models import Theme
from rapport.enrichment.queueing import start_enrichment
from rapport.text import taxonomy as text_taxonomy

# name, description, phrases, exclude. Phrases match whole words; a trailing * any ending.
STANDARD_THEMES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Delivery", "Deliveries, fulfilment, time slots, damage in transit",
     ("deliver*", "order fulfilment", "fulfilment", "shipment*", "shipping", "dispatch*",
      "courier*", "time slot", "delivery slot", "in transit", "tracking", "missing items",
      "depot", "arrived late", "did not arrive"), ()),
    ("Billing", "Invoices, statements, charges and credit notes",
     ("invoic*", "billing", "billed", "double-billed", "bill", "bills", "monthly statement",
      "statement", "credit note*", "charged", "overcharg*", "reconcile", "purchase order"), ()),
    ("Account management", "The account manager and team, reviews and follow-up",
     ("account manager*", "account team", "account management", "quarterly review*",
      "business review*", "relationship manager*"), ()),
    ("Product quality", "Defects, specifications, releases and batches",
     ("product*", "product quality", "defect*", "new release", "latest batch", "specification*",
      "specified", "rework", "quality checks"), ()),
    ("Support", "Help desk, tickets and problem resolution",
     ("support", "help desk", "helpdesk", "ticket*", "called us back", "call back"), ()),
    ("Onboarding", "Implementation, set-up and training",
     ("onboarding", "implementation", "set-up", "setup", "training", "milestone*",
      "go-live"), ()),
    ("Pricing", "Prices, quotes, renewals and value for money",
     ("pric*", "renewal quote", "quote", "value for money", "expensive", "market rate",
      "price increase"), ()),
    ("Communication", "Keeping the customer informed about changes",
     ("communication*", "keeping us informed", "kept us informed", "keeps us informed",
      "weekly update*", "information about changes", "nobody told us"), ()),
    ("Reporting", "Reports, dashboards and KPI packs",
     ("reporting", "monthly report", "reports", "dashboard*", "kpi pack", "kpi*"), ()),
    ("Staff attitude", "How staff and drivers treat the customer",
     ("your staff", "the team on site", "the people we deal with", "your drivers", "rude",
      "courteous", "friendly", "unprofessional", "dismissive", "uninterested"), ()),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TaxonomyInForce:
    taxonomy: text_taxonomy.Taxonomy  # theme names are slugs
    themes: dict[str, Theme]  # every theme by slug, active or not
    version: str  # changes whenever an active theme's rules change


def current_taxonomy() -> TaxonomyInForce:
    themes = list(Theme.objects.order_by("position", "pk"))
    active = tuple(
        text_taxonomy.Theme(name=t.slug, phrases=tuple(t.phrases), exclude=tuple(t.exclude))
        for t in themes
        if t.active
    )
    taxonomy = text_taxonomy.Taxonomy(active)
    version = hashlib.sha256(taxonomy.to_json().encode()).hexdigest()[:10]
    return TaxonomyInForce(taxonomy, {t.slug: t for t in themes}, version)


def _clean_phrases(phrases: list[str] | tuple[str, ...]) -> list[str]:
    cleaned = []
    for phrase in phrases:
        value = " ".join(str(phrase).split())
        if value and value not in cleaned:
            cleaned.append(value)
    return cleaned


def _validate(name: str, phrases: list[str], exclude: list[str]) -> None:
    if not name.strip():
        raise ValueError("a theme needs a name")
    text_taxonomy.Theme(name=name, phrases=tuple(phrases), exclude=tuple(exclude))


@transaction.atomic
def install_standard_taxonomy(*, actor: Actor | None, via: str = "web") -> int:
    """Add the standard themes that are missing (by slug); returns how many were added."""
    if actor is not None:
        require(actor, Capability.MANAGE_THEMES, None)
    existing = set(Theme.objects.values_list("slug", flat=True))
    names = set(Theme.objects.values_list("name", flat=True))
    added = 0
    for position, (name, description, phrases, exclude) in enumerate(STANDARD_THEMES):
        slug = slugify(name).replace("-", "_")
        if slug in existing or name in names:
            continue
        theme = Theme.objects.create(
            slug=slug,
            name=name,
            description=description,
            phrases=list(phrases),
            exclude=list(exclude),
            position=position,
        )
        added += 1
        if actor is not None:
            record_audit(actor=actor, action=AuditAction.CREATE, instance=theme, via=via)
    return added


@transaction.atomic
def create_theme(
    *,
    actor: Actor,
    name: str,
    phrases: list[str],
    exclude: list[str] | None = None,
    description: str = "",
    via: str = "web",
) -> Theme:
    require(actor, Capability.MANAGE_THEMES, None)
    name = " ".join(name.split())
    phrases, excluded = _clean_phrases(phrases), _clean_phrases(exclude or [])
    _validate(name, phrases, excluded)
    slug = slugify(name).replace("-", "_")[:60] or "theme"
    if Theme.objects.filter(name__iexact=name).exists():
        raise ValueError(f"there is already a theme called {name!r}")
    base, i = slug, 2
    while Theme.objects.filter(slug=slug).exists():
        slug, i = f"{base}_{i}", i + 1
    last = Theme.objects.order_by("-position").values_list("position", flat=True).first()
    theme = Theme.objects.create(
        slug=slug,
        name=name,
        description=description.strip(),
        phrases=phrases,
        exclude=excluded,
        position=(last or 0) + 1,
        updated_by=actor if actor.is_authenticated else None,
    )
    record_audit(actor=actor, action=AuditAction.CREATE, instance=theme, via=via)
    _taxonomy_changed(actor)
    return theme


@transaction.atomic
def update_theme(
    *,
    actor: Actor,
    theme: Theme,
    name: str | None = None,
    phrases: list[str] | None = None,
    exclude: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
    via: str = "web",
) -> Theme:
    """Rename, change rules or (de)activate; a change of rules re-analyses comments."""
    require(actor, Capability.MANAGE_THEMES, None)
    changes: dict[str, object] = {}
    if name is not None and " ".join(name.split()) != theme.name:
        new_name = " ".join(name.split())
        if Theme.objects.filter(name__iexact=new_name).exclude(pk=theme.pk).exists():
            raise ValueError(f"there is already a theme called {new_name!r}")
        changes["name"] = new_name
    if phrases is not None and _clean_phrases(phrases) != theme.phrases:
        changes["phrases"] = _clean_phrases(phrases)
    if exclude is not None and _clean_phrases(exclude) != theme.exclude:
        changes["exclude"] = _clean_phrases(exclude)
    if description is not None and description.strip() != theme.description:
        changes["description"] = description.strip()
    if active is not None and active != theme.active:
        changes["active"] = active
    if not changes:
        return theme
    _validate(
        str(changes.get("name", theme.name)),
        list(changes.get("phrases", theme.phrases)),  # type: ignore[call-overload]
        list(changes.get("exclude", theme.exclude)),  # type: ignore[call-overload]
    )
    for field, value in changes.items():
        setattr(theme, field, value)
    theme.updated_by = actor if actor.is_authenticated else None
    theme.save(update_fields=[*changes, "updated_by", "updated_at"])
    record_audit(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=theme,
        changed_fields=list(changes),
        via=via,
    )
    if {"phrases", "exclude", "active"} & set(changes):
        _taxonomy_changed(actor)
    return theme


def _taxonomy_changed(actor: Actor) -> None:
    start_enrichment(actor=None, reason="taxonomy changed", created_by=actor)
