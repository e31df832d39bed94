"""What core registers in its own registries (called from CoreConfig.ready)."""

from __future__ import annotations

from rapport.core.registries import PERIODIC
from rapport.core.workers import reap_lost_workers


def register() -> None:
    # Task rows that killed workers left running are marked failed before anything else.
    PERIODIC.register("core.lost_workers", reap_lost_workers, order=5)
