"""Reference data for the statistics tests: ../shared/reference/stats beside the repository."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "stats"


@pytest.fixture
def stats_reference() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference/stats is not present")
    return REFERENCE


@pytest.fixture
def reference_json(stats_reference: Path) -> Callable[[str], Any]:
    """Load a JSON file under reference/stats by its relative path."""
    return lambda name: json.loads((stats_reference / name).read_text(encoding="utf-8"))
