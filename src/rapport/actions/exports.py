"""CSV/XLSX downloads of the action board and the loop-closure log (core.exports writes them)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import HttpResponseBase

from rapport.actions.models import Action, LoopClosure
from rapport.core.exports import Column, chunks, table_download

ACTION_COLUMNS = [
    Column("id", "int", 8),
    Column("title", "text", 40),
    Column("team", "text", 16),
    Column("account", "text", 24),
    Column("owner", "text", 18),
    Column("status", "text", 12),
    Column("severity", "text", 10),
    Column("due_on", "date", 12),
    Column("closed_on", "date", 12),
    Column("on_time", "text", 8),
    Column("escalation_level", "int", 8),
    Column("source_kind", "text", 14),
    Column("source_ref", "text", 14),
    Column("metric", "text", 10),
    Column("baseline_value", "number", 12),
    Column("baseline_low", "number", 12),
    Column("baseline_high", "number", 12),
    Column("baseline_n", "int", 10),
    Column("created_at", "datetime", 17),
]

LOOP_COLUMNS = [
    Column("action_id", "int", 8),
    Column("action", "text", 40),
    Column("account", "text", 24),
    Column("told_at", "datetime", 17),
    Column("told_by", "text", 18),
    Column("channel", "text", 14),
    Column("contacts", "text", 30),
    Column("told_what", "text", 50),
    Column("metric", "text", 10),
    Column("before_value", "number", 12),
    Column("before_low", "number", 12),
    Column("before_high", "number", 12),
    Column("before_n", "int", 10),
]


def _name(user: object) -> str:
    return "" if user is None else str(user)


def _action_rows(actions: QuerySet[Action]) -> Iterator[list[object]]:
    for chunk in chunks(actions.iterator(chunk_size=2000), 2000):
        for a in chunk:
            base = a.baseline or {}
            on_time = ""
            if a.status == "done" and a.closed_on is not None:
                on_time = "yes" if a.closed_on <= a.due_on else "no"
            yield [
                a.pk, a.title, a.team.name, a.account.name if a.account else "", _name(a.owner),
                a.get_status_display(), a.get_severity_display(), a.due_on, a.closed_on,
                on_time, a.escalation_level, a.source_kind, a.source_ref, a.metric,
                base.get("value"), base.get("low"), base.get("high"), base.get("n"),
                a.created_at,
            ]  # fmt: skip


def actions_download(actions: QuerySet[Action], fmt: str) -> HttpResponseBase:
    return table_download(fmt, "actions", ACTION_COLUMNS, _action_rows(actions))


def _loop_rows(closures: QuerySet[LoopClosure]) -> Iterator[list[object]]:
    rows = closures.select_related("action", "account", "told_by").prefetch_related("contacts")
    for chunk in chunks(rows.iterator(chunk_size=1000), 1000):
        for c in chunk:
            base = c.action.baseline or {}
            yield [
                c.action_id, c.action.title, c.account.name, c.told_at, _name(c.told_by),
                c.get_channel_display(), "; ".join(x.name for x in c.contacts.all()),
                c.told_what, c.action.metric, base.get("value"), base.get("low"),
                base.get("high"), base.get("n"),
            ]  # fmt: skip


def loops_download(closures: QuerySet[LoopClosure], fmt: str) -> HttpResponseBase:
    return table_download(fmt, "loop-closures", LOOP_COLUMNS, _loop_rows(closures))
