"""The import-linter contracts in pyproject.toml hold for the code, and catch a breach.

Run on the real configuration, then on a copy of the package with one import added where the
layers forbid it: the contract must fail and name the import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def lint(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(config)],
        cwd=config.parent,
        env={"PYTHONPATH": str(src), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the package and the configuration (Python files only)."""
    shutil.copytree(
        ROOT / "src" / "rapport",
        tmp_path / "src" / "rapport",
        ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "*.html"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_every_contract():
    result = lint(ROOT / "src", ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "message"),
    [
        # core imports a domain app: the periodic work must go through core.registries
        (
            "core/upward.py",
            "from rapport.analytics.rollups import services\n",
            "rapport.core is not allowed to import rapport.analytics",
        ),
        # a lower domain app imports a higher one (feedback is below analytics)
        (
            "feedback/upward.py",
            "import rapport.analytics.public\n",
            "rapport.feedback is not allowed to import rapport.analytics",
        ),
        # a domain app imports the composed pages
        (
            "customers/upward.py",
            "from rapport.workspace import selectors\n",
            "rapport.customers is not allowed to import rapport.workspace",
        ),
        # the pure packages stay free of Django
        (
            "stats/impure.py",
            "import django.db\n",
            "rapport.stats is not allowed to import django",
        ),
    ],
)
def test_an_added_forbidden_import_breaks_a_contract(copy, module, source, message):
    (copy / "src" / "rapport" / module).write_text(source)
    result = lint(copy / "src", copy / "pyproject.toml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stdout
