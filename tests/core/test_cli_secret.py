"""Commands that sign nothing need no RAPPORT_SECRET_KEY; `rapport demo` keeps a generated one
in the data folder for the commands after it; a missing secret is one line, not a traceback."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from rapport.env import read_secret_file
from tests.processes import rapport_env


def _rapport(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rapport.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_and_teams_work_after_demo_without_a_secret(tmp_path: Path):
    env = rapport_env(tmp_path)  # no RAPPORT_SECRET_KEY, as after `./dev demo`
    demo = _rapport(env, "demo", "--no-serve")
    assert demo.returncode == 0, demo.stderr
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    source = tmp_path / "one.csv"
    source.write_text("account,external_id,submitted_at,nps\nNOPE,x1,2025-03-04,9\n")

    imported = _rapport(env, "import", "feedback", str(source))
    assert imported.returncode == 0, imported.stderr
    assert "1 rejected" in imported.stdout
    teams = _rapport(env, "teams")
    assert teams.returncode == 0, teams.stderr
    assert teams.stdout.count("\t") >= 2
    assert "Traceback" not in imported.stderr + teams.stderr


def test_local_commands_need_no_secret_and_serve_says_so_in_one_line(tmp_path: Path):
    with_secret = rapport_env(tmp_path, SECRET_KEY="only-to-prepare")
    for command in ("migrate", "createsuperuser --no-input --username root --email r@x.org"):
        prepared = _rapport(with_secret, "manage", *command.split())
        assert prepared.returncode == 0, prepared.stderr
    env = rapport_env(tmp_path)
    teams = _rapport(env, "teams")
    assert (teams.returncode, teams.stderr) == (0, "")
    worker = _rapport(env, "worker", "--once")
    assert worker.returncode == 0, worker.stderr

    served = _rapport(env, "serve")
    assert served.returncode == 2
    assert served.stderr.startswith("rapport: RAPPORT_SECRET_KEY is not set;")
    assert served.stderr.count("\n") == 1


def test_the_data_folders_secret_is_made_once_and_kept(tmp_path: Path):
    path = tmp_path / "secret_key"
    assert read_secret_file(path, create=False) == ""
    made = read_secret_file(path, create=True)
    assert len(made) >= 50
    assert read_secret_file(path, create=True) == read_secret_file(path, create=False) == made
