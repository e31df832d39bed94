"""Registries that apps above core fill at start-up, so core can set off their work without
importing them (docs/architecture.md, decision 51).

`PERIODIC`: the work `rapport worker` runs every minute. Each app registers its jobs from its
`AppConfig.ready()`; the worker runs them in `order` (lower first), so a job that reads what
another writes registers a higher number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[], object]
    order: int


class PeriodicJobs:
    def __init__(self) -> None:
        self._jobs: dict[str, PeriodicJob] = {}

    def register(self, name: str, run: Callable[[], object], *, order: int) -> None:
        """Add a job; registering a name again replaces it (ready() may run twice in tests)."""
        self._jobs[name] = PeriodicJob(name, run, order)

    def in_order(self) -> list[PeriodicJob]:
        return sorted(self._jobs.values(), key=lambda job: (job.order, job.name))


PERIODIC = PeriodicJobs()
