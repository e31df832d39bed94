"""Reads of report definitions and runs, scoped to the teams the actor may see."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from rapport.core.access import Actor, scope
from rapport.reports.models import ReportDefinition, ReportOutput, ReportRun, RunStatus


def definitions_for(user: Actor) -> QuerySet[ReportDefinition]:
    return scope(ReportDefinition.objects.select_related("team", "owner"), user).annotate(
        run_count=Count("runs")
    )


def get_definition(user: Actor, pk: int) -> ReportDefinition:
    found = (
        scope(ReportDefinition.objects.select_related("team", "owner"), user).filter(pk=pk).first()
    )
    if found is None:
        raise Http404("No such report definition.")
    return found


def runs_for(
    user: Actor, *, definition_id: int | None = None, status: str = ""
) -> QuerySet[ReportRun]:
    runs = scope(
        ReportRun.objects.select_related("definition", "team", "account", "requested_by"), user
    ).defer("document", "definition_snapshot")
    if definition_id is not None:
        runs = runs.filter(definition_id=definition_id)
    if status:
        runs = runs.filter(status=status)
    return runs


def get_run(user: Actor, pk: int) -> ReportRun:
    found = (
        scope(
            ReportRun.objects.select_related(
                "definition", "team", "account", "account__owner", "requested_by", "approved_by"
            ),
            user,
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such report run.")
    return found


def outputs_of(run: ReportRun) -> QuerySet[ReportOutput]:
    return run.outputs.defer("content").order_by("format", "name")


def get_output(user: Actor, run_id: int, name: str) -> ReportOutput:
    found = (
        scope(ReportOutput.objects.select_related("run"), user, team_field="run__team")
        .filter(run_id=run_id, name=name)
        .first()
    )
    if found is None:
        raise Http404("No such file.")
    return found


def awaiting_approval_count(user: Actor) -> int:
    """Customer-facing runs waiting for this person's approval (the navigation's count)."""
    if not user.is_authenticated:
        return 0
    return (
        scope(ReportRun.objects.all(), user)
        .filter(Q(account__owner_id=user.pk), audience="customer", status=RunStatus.REVIEW)
        .count()
    )
