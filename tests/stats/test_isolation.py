"""rapport.stats is pure computation: importing it must not pull in Django."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import importlib, pkgutil, sys
import rapport.stats
modules = [m.name for m in pkgutil.iter_modules(rapport.stats.__path__, "rapport.stats.")]
for name in modules:
    importlib.import_module(name)
assert len(modules) >= 7, modules
print("django" in sys.modules)
"""


def test_stats_modules_import_without_django() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False", result.stderr
