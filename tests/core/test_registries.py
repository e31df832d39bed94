"""Core's registries are filled by the apps above it at start-up, and the worker runs them."""

from __future__ import annotations

from rapport.actions.services import run_escalations
from rapport.alerts import registrations as alerts_registrations
from rapport.alerts.services import periodic_daily
from rapport.analytics.health.services import ensure_health_current
from rapport.analytics.registrations import refresh_after_change, refresh_after_import
from rapport.analytics.rollups.services import ensure_snapshots_current
from rapport.analytics.rollups.sql import RollupDelta
from rapport.core import worker
from rapport.core.registries import PERIODIC, Registry
from rapport.core.workers import reap_lost_workers
from rapport.enrichment.public import enqueue_if_pending
from rapport.enrichment.registrations import analyse_after_import
from rapport.feedback import hooks
from rapport.feedback.services import delete_old_uploads, fail_stalled_imports
from rapport.monitoring.reminders import run_reminders
from rapport.monitoring.scheduling import after_import, after_responses_changed, run_schedules
from rapport.notifications.services import deliver_due
from rapport.reports.registrations import run_periodic as reports_periodic


def test_the_apps_register_their_periodic_work_in_the_order_it_depends_on():
    # lost workers' task rows and stalled imports first; health after the snapshots it reads;
    # comment analysis last
    assert PERIODIC.in_order() == [
        reap_lost_workers,
        fail_stalled_imports,
        delete_old_uploads,
        ensure_snapshots_current,
        ensure_health_current,
        enqueue_if_pending,
        # --- notifications ---
        deliver_due,
        # --- monitoring ---
        run_reminders,
        run_schedules,
        # --- actions ---
        run_escalations,
        # --- alerts ---
        periodic_daily,
        # --- reports ---
        reports_periodic,
    ]


def test_run_periodic_runs_the_registered_jobs_by_order_not_by_registration(monkeypatch):
    ran: list[str] = []
    registry: Registry[object] = Registry()
    registry.register("late", lambda: ran.append("late"), order=20)
    registry.register("early", lambda: ran.append("early"), order=10)
    registry.register("late", lambda: ran.append("late again"), order=30)  # replaces
    monkeypatch.setattr(worker, "PERIODIC", registry)
    worker.run_periodic()
    assert ran == ["early", "late again"]


def test_analytics_and_enrichment_fill_the_feedback_hooks():
    assert hooks._row_writers == [RollupDelta]
    assert hooks._accounts_changed == [
        refresh_after_change,
        # --- monitoring ---
        after_responses_changed,
        # --- alerts ---
        alerts_registrations.after_change,
    ]
    assert hooks._import_finished == [
        refresh_after_import,
        analyse_after_import,
        # --- monitoring ---
        after_import,
        # --- alerts ---
        alerts_registrations.after_import,
    ]
    assert [type(w) for w in hooks.BatchChanges()._writers] == [RollupDelta]
