"""What changed between two versions of a plan, field by field and item by item.

Methods, KPIs and reports are matched by their lineage (kept when a version is copied), so a
method whose frequency changed reads as changed, not as one removed and another added. Long
texts are compared word by word (difflib) and shown with the inserted and deleted words.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from rapport.core import formats
from rapport.monitoring import recurrence
from rapport.monitoring.models import Kpi, PlanMethod, PlanReport, PlanVersion

LONG_TEXT = 80
INTERNAL_FIELDS = {"internal_notes", "target_margin_percent", "cost"}
# The texts of a version the customer sees too, with their labels.
SHARED_TEXT_FIELDS = (
    ("objectives", "Objectives"),
    ("information_needs", "Information needs (qualitative)"),
    ("quantitative_needs", "Information needs (quantitative)"),
    ("communication_plan", "Communication plan"),
    ("trigger_criteria", "Trigger criteria"),
)


@dataclass(frozen=True)
class Segment:
    op: str  # "equal" | "insert" | "delete"
    text: str


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str
    # Word-level changes of a long text (None for short values, shown old → new).
    segments: list[Segment] | None = None


@dataclass(frozen=True)
class ItemChange:
    label: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class ListDiff:
    name: str  # "methods" | "kpis" | "reports"
    label: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class VersionDiff:
    old: PlanVersion
    new: PlanVersion
    fields: list[FieldChange]
    lists: list[ListDiff]

    @property
    def empty(self) -> bool:
        return not self.fields and all(d.empty for d in self.lists)


def word_segments(old: str, new: str) -> list[Segment]:
    """The words of `new` against `old`, as runs kept, inserted and deleted."""
    old_words = re.findall(r"\S+\s*", old)
    new_words = re.findall(r"\S+\s*", new)
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    segments = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", "".join(new_words[j1:j2])))
            continue
        if tag in ("delete", "replace"):
            segments.append(Segment("delete", "".join(old_words[i1:i2])))
        if tag in ("insert", "replace"):
            segments.append(Segment("insert", "".join(new_words[j1:j2])))
    return segments


def _change(name: str, label: str, old: str, new: str) -> FieldChange | None:
    if old == new:
        return None
    long = max(len(old), len(new)) > LONG_TEXT or "\n" in old or "\n" in new
    return FieldChange(name, label, old, new, word_segments(old, new) if long else None)


def _names(values: Any) -> str:
    return ", ".join(sorted(str(v) for v in values.all())) or "none"


def _user(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else "nobody"


def method_values(method: PlanMethod, *, internal: bool = True) -> dict[str, tuple[str, str]]:
    values = {
        "kind": ("Kind", method.get_kind_display()),
        "formal": ("Formal", "formal" if method.formal else "informal"),
        "title": ("Title", method.title),
        "recurrence": ("Frequency", recurrence.describe(method.recurrence)),
        "starts_on": ("Starts on", str(method.starts_on or "on agreement")),
        "due_time": ("Due at", method.due_time.strftime("%H:%M") if method.due_time else ""),
        "on_time_days": ("Days still on time", str(method.on_time_days)),
        "owner": ("Owner", _user(method.owner)),
        "our_stakeholders": (
            "Our people",
            ", ".join(sorted(_user(u) for u in method.our_stakeholders.all())) or "none",
        ),
        "customer_contacts": ("Customer contacts", _names(method.customer_contacts)),
        "external_parties": ("External parties", _names(method.external_parties)),
        "technology": ("Technology", method.technology),
    }
    if internal:
        values["cost"] = ("Cost per occurrence", formats.money(method.cost, method.currency, 2))
    return values


def kpi_values(kpi: Kpi, *, internal: bool = True) -> dict[str, tuple[str, str]]:
    return {
        "metric": ("Metric", kpi.metric),
        "target": ("Target", f"{kpi.target:g}"),
        "tolerance": ("Tolerance", f"{kpi.tolerance:g}"),
        "direction": ("Direction", kpi.get_direction_display()),
        "baseline": (
            "Control-chart baseline",
            f"{kpi.baseline_start} to {kpi.baseline_end}" if kpi.baseline_start else "none",
        ),
    }


def report_values(report: PlanReport, *, internal: bool = True) -> dict[str, tuple[str, str]]:
    return {
        "report_type": ("Report", report.report_type),
        "audience": ("Audience", report.get_audience_display()),
        "recurrence": ("Frequency", recurrence.describe(report.recurrence)),
        "recipients": ("Recipients", ", ".join(report.recipients) or "none"),
    }


def _label(kind: str, item: Any) -> str:
    if kind == "methods":
        return str(item)
    if kind == "kpis":
        return f"KPI {item.metric}"
    return f"{item.report_type} ({item.get_audience_display()})"


_LISTS = (
    ("methods", "Methods", method_values),
    ("kpis", "KPIs", kpi_values),
    ("reports", "Reports", report_values),
)


def _list_diff(
    name: str, label: str, values: Any, old: list, new: list, internal: bool
) -> ListDiff:
    old_by = {item.lineage: item for item in old}
    new_by = {item.lineage: item for item in new}
    result = ListDiff(name, label)
    for lineage, item in new_by.items():
        if lineage not in old_by:
            result.added.append(_label(name, item))
            continue
        before = values(old_by[lineage], internal=internal)
        after = values(item, internal=internal)
        changes = [
            c
            for key, (field_label, text) in after.items()
            if (c := _change(key, field_label, before[key][1], text)) is not None
        ]
        if changes:
            result.changed.append(ItemChange(_label(name, item), changes))
    result.removed.extend(_label(name, item) for k, item in old_by.items() if k not in new_by)
    return result


def version_field_values(
    version: PlanVersion, *, internal: bool = True
) -> dict[str, tuple[str, str]]:
    values = {name: (label, getattr(version, name)) for name, label in SHARED_TEXT_FIELDS}
    if internal:
        values["internal_notes"] = ("Internal notes", version.internal_notes)
        margin = version.target_margin_percent
        values["target_margin_percent"] = (
            "Target margin",
            f"{margin} %" if margin is not None else "none",
        )
    return values


def diff_versions(old: PlanVersion, new: PlanVersion, *, internal: bool = True) -> VersionDiff:
    """Both versions should come from `selectors.version_contents` (prefetched)."""
    before = version_field_values(old, internal=internal)
    after = version_field_values(new, internal=internal)
    fields = [
        c
        for name, (label, text) in after.items()
        if (c := _change(name, label, before[name][1], text)) is not None
    ]
    lists = [
        _list_diff(
            name,
            label,
            values,
            list(getattr(old, name).all()),
            list(getattr(new, name).all()),
            internal,
        )
        for name, label, values in _LISTS
    ]
    return VersionDiff(old=old, new=new, fields=fields, lists=lists)
