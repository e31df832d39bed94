"""Two real processes: a worker killed in the middle of an import, and the next one.

The killed worker's import can be resumed within seconds (its beats stop), its django-tasks
row is marked failed by the next worker's periodic pass, and the resumed import stores every
row once.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

from tests.processes import django_snippet, rapport, rapport_env, stop, wait_for

ROWS = 100_000
LOST_SECONDS = 6

SETUP = """
from pathlib import Path
from django.core.management import call_command
from rapport.core.models import Team, User
from rapport.feedback import services

call_command("migrate", "--no-input", "-v", "0")
Team.objects.create(name="North", slug="north")
admin = User.objects.create_superuser("root", "root@example.org", "pw")
job = services.start_import(
    actor=admin, file_name="big.csv", path=Path(os.environ["RAPPORT_DATA_DIR"]) / "big.csv",
    mapping={"create_missing_accounts": True, "default_team": "north"}, via="test",
)
result = job.pk
"""

RESUME = """
import time
from rapport.core.models import User
from rapport.feedback import services
from rapport.feedback.models import ImportJob

job = ImportJob.objects.get(pk=JOB_ID)
refused = services.why_not_resumable(job) if not services.resumable(job) else ""
while not services.resumable(job) and time.time() - KILLED_AT < 60:
    time.sleep(0.2)
    job.refresh_from_db()
waited = time.time() - KILLED_AT
services.resume_import(actor=User.objects.get(username="root"), job=job)
result = {"refused": refused, "waited": waited}
"""

AFTER = """
from django_tasks_db.models import DBTaskResult
from rapport.feedback.models import ImportJob, Response

job = ImportJob.objects.get(pk=JOB_ID)
result = {
    "job": [job.status, job.rows_read, job.rows_inserted],
    "responses": Response.objects.count(),
    "distinct": Response.objects.values("external_id").distinct().count(),
    "tasks": sorted(
        DBTaskResult.objects.filter(task_path="rapport.feedback.tasks.run_import").values_list(
            "status", "exception_class_path"
        )
    ),
}
"""


def _write_file(path: Path) -> None:
    with path.open("w") as out:
        out.write("account,external_id,submitted_at,nps,comment\n")
        for n in range(ROWS):
            out.write(f"A-{n % 50},r{n},2025-0{1 + n % 9}-1{n % 10} 10:00,{n % 11},\n")


def _job_row(database: Path, job_id: int) -> tuple[str, str]:
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT status, worker_id FROM feedback_importjob WHERE id = ?", (job_id,)
        ).fetchone()
    return row[0], row[1]


def test_a_killed_workers_import_resumes_within_seconds_and_its_task_row_is_failed(tmp_path):
    env = rapport_env(tmp_path, SECRET_KEY="test", WORKER_LOST_SECONDS=str(LOST_SECONDS))
    _write_file(tmp_path / "big.csv")
    job_id = django_snippet(env, SETUP)

    worker = rapport(env, "worker")
    try:
        running = wait_for(
            lambda: (row := _job_row(tmp_path / "rapport.sqlite3", job_id))[0] == "running" and row,
            timeout=120,
            every=0.05,
        )
        worker.send_signal(signal.SIGKILL)
        killed_at = time.time()
    finally:
        stop(worker)
    assert running[1].endswith(f"-{worker.pid}")  # the job names the worker that ran it

    code = RESUME.replace("JOB_ID", str(job_id)).replace("KILLED_AT", repr(killed_at))
    resumed = django_snippet(env, code)
    # Refused at first with a reason and a time, then possible once the beats stopped.
    assert "the worker running it was last seen" in resumed["refused"]
    assert "resume at" in resumed["refused"]
    assert resumed["waited"] < LOST_SECONDS + 14, resumed  # seconds, not ten minutes

    next_worker = rapport(env, "worker", "--once")
    _, err = next_worker.communicate(timeout=300)
    assert next_worker.returncode == 0, err
    after = django_snippet(env, AFTER.replace("JOB_ID", str(job_id)))
    assert after["job"] == ["succeeded", ROWS, ROWS]
    assert after["responses"] == after["distinct"] == ROWS  # none lost, none twice
    assert after["tasks"] == [
        ["FAILED", "rapport.core.workers.WorkerLost"],  # the killed worker's row
        ["SUCCESSFUL", ""],  # the resumed run
    ]
    print(f"resume possible {resumed['waited']:.1f} s after the kill")
