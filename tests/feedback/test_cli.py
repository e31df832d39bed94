"""`rapport import feedback FILE …`, run in this process through the console script's parser.

Exit status: 0 finished (rejected rows included), 1 failed, 2 wrong arguments.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import pytest

from rapport.cli import main
from rapport.feedback import services
from rapport.feedback.models import ImportJob, ImportStatus, Response
from tests.feedback.helpers import HEADER, SOME_ROWS, csv_bytes, errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "responses.csv"
    path.write_bytes(csv_bytes(*SOME_ROWS))
    return path


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["import", "feedback", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_import_that_finishes_exits_0(accounts, world, csv_file, capsys):
    code, out, err = _run(capsys, str(csv_file), "--user", "alice")
    job = ImportJob.objects.get()
    assert code == 0, err
    assert out == (
        f"Import {job.pk} (responses.csv): "
        "3 rows read: 3 inserted, 0 updated, 0 unchanged, 0 rejected.\n"
    )
    assert (job.via, job.created_by, job.file_path) == ("cli", world.user, str(csv_file.resolve()))
    assert Response.objects.count() == 3
    assert f"import {job.pk}: " in err  # the progress line


def test_the_default_user_is_the_first_superuser(accounts, world, csv_file, capsys):
    code, _, _ = _run(capsys, str(csv_file))
    assert code == 0
    job = ImportJob.objects.get()
    assert (job.created_by, job.all_teams) == (world.admin, True)


def test_rejected_rows_still_exit_0_and_say_where_they_are(accounts, world, tmp_path, capsys):
    path = tmp_path / "mixed.csv"
    path.write_bytes(csv_bytes(*SOME_ROWS, "B-1,r9,2025-03-04 10:00,9,,,", "A-1,r8,x,9,,,"))
    code, out, _ = _run(capsys, str(path), "--user", "alice")
    job = ImportJob.objects.get()
    assert code == 0
    assert "5 rows read: 3 inserted, 0 updated, 0 unchanged, 2 rejected." in out
    assert "Rejected rows are listed at " in out
    assert f"/imports/{job.pk}/errors.csv" in out
    assert f"GET /api/v1/imports/{job.pk}/errors.csv" in out
    assert [row for row, *_ in errors(job)] == [5, 6]


def test_a_failed_import_exits_1(accounts, world, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("external_id,submitted_at", "r1,2025-03-04"))
    code, out, _ = _run(capsys, str(path), "--user", "alice")
    assert code == 1
    assert "Failed: missing required column(s): account." in out
    assert "Resume with" not in out  # nothing was written: start again instead
    assert not Response.objects.exists()


def test_mapping_format_and_dry_run_options(accounts, world, tmp_path, capsys):
    data = tmp_path / "export.dat"
    data.write_bytes(csv_bytes("Ref;When;Score", "r1;03/04/2025;9"))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {"external_id": "Ref", "submitted_at": "When", "nps": "Score"},
                "account": "A-1",
                "date_format": "%d/%m/%Y",
            }
        )
    )
    args = (str(data), "--format", "csv", "--mapping", str(mapping), "--user", "alice")
    code, out, _ = _run(capsys, *args, "--dry-run")
    assert code == 0
    assert "Dry run, nothing was written: 1 rows read; would insert 1," in out
    assert not Response.objects.exists()
    code, out, _ = _run(capsys, *args)
    assert code == 0
    # 3 April (day first), midnight in London (BST), stored as UTC.
    assert Response.objects.get().submitted_at == dt.datetime(2025, 4, 2, 23, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "no such file: missing.csv"),
        (["{file}", "--user", "nobody"], "no active user 'nobody'"),
        (["{file}", "--mapping", "{file}.json"], "cannot read the mapping"),
        (["{file}", "--mapping", "{file}"], "the mapping is not valid JSON"),
        (["{file}.json"], "cannot tell the format of 'responses.csv.json' from its name"),
        (["{file}", "--resume", "999"], "no import 999 that root may see"),
    ],
)
def test_wrong_arguments_exit_2(accounts, world, csv_file, capsys, args, message):
    if args[0] == "{file}.json":
        Path(f"{csv_file}.json").write_text("{}")
    code, out, err = _run(capsys, *(a.format(file=csv_file) for a in args))
    assert code == 2
    assert out == ""
    assert err.startswith("rapport import: ")
    assert message in err
    assert not Response.objects.exists()


def test_without_a_superuser_a_user_must_be_named(db, csv_file, capsys):
    code, _, err = _run(capsys, str(csv_file))
    assert (code, err) == (2, "rapport import: no superuser: pass --user\n")


def test_a_user_who_may_not_import_exits_2(accounts, world, csv_file, capsys):
    from tests.factories import UserFactory

    UserFactory(username="visitor")
    code, _, err = _run(capsys, str(csv_file), "--user", "visitor")
    assert code == 2
    assert "You may not import feedback here." in err


def test_an_unknown_format_is_refused_by_the_parser(csv_file, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["import", "feedback", str(csv_file), "--format", "pdf"])
    assert raised.value.code == 2
    assert "invalid choice: 'pdf'" in capsys.readouterr().err


# --- resume ------------------------------------------------------------------------------------


def _interrupted(world, path: Path) -> ImportJob:
    """A CLI job stopped by Ctrl+C after its first batch of two rows."""
    job = services.start_import(
        actor=world.user, file_name=path.name, path=path, via="cli", background=False
    )

    def stop(_job: ImportJob) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        services.run_import_job(job_id=job.pk, batch_rows=2, on_progress=stop)
    job.refresh_from_db()
    assert (job.status, job.rows_read) == (ImportStatus.FAILED, 2)
    return job


def test_a_failure_after_a_checkpoint_tells_how_to_resume(
    accounts, world, csv_file, capsys, monkeypatch
):
    monkeypatch.setattr(
        services,
        "run_import_job",
        functools.partial(services.run_import_job, batch_rows=2),
    )
    from rapport.feedback.importing import pipeline

    real = pipeline.write_rows
    calls: list[int] = []

    def fail_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "write_rows", fail_second)
    code, out, _ = _run(capsys, str(csv_file), "--user", "alice")
    job = ImportJob.objects.get()
    assert code == 1
    assert "Failed: unexpected error: disk full. Before it stopped, 2 rows read:" in out
    assert f"Resume with: rapport import feedback {csv_file} --resume {job.pk}" in out

    monkeypatch.setattr(pipeline, "write_rows", real)
    code, out, _ = _run(capsys, str(csv_file), "--user", "alice", "--resume", str(job.pk))
    assert code == 0
    assert "3 rows read: 3 inserted, 0 updated, 0 unchanged, 0 rejected." in out
    assert Response.objects.count() == 3


def test_resume_an_interrupted_import(accounts, world, csv_file, capsys):
    job = _interrupted(world, csv_file)
    code, out, _ = _run(capsys, str(csv_file), "--user", "alice", "--resume", str(job.pk))
    assert code == 0
    assert out == (
        f"Import {job.pk} (responses.csv): "
        "3 rows read: 3 inserted, 0 updated, 0 unchanged, 0 rejected.\n"
    )
    assert ImportJob.objects.count() == 1
    assert Response.objects.count() == 3
    code, _, err = _run(capsys, str(csv_file), "--user", "alice", "--resume", str(job.pk))
    assert code == 2
    assert f"import {job.pk} is finished: there is nothing to resume" in err


def test_resume_refuses_another_file_or_another_persons_import(
    accounts, world, csv_file, tmp_path, capsys
):
    job = _interrupted(world, csv_file)
    other = tmp_path / "other.csv"
    other.write_bytes(csv_bytes(HEADER, "A-1,r1,2025-03-04 10:00,9,,,"))
    code, _, err = _run(capsys, str(other), "--user", "alice", "--resume", str(job.pk))
    assert code == 2
    assert f"{other} is not the file of import {job.pk}" in err
    code, _, err = _run(capsys, str(csv_file), "--user", "bob", "--resume", str(job.pk))
    assert code == 2
    assert f"no import {job.pk} that bob may see" in err
    assert Response.objects.count() == 2


def test_resume_of_a_file_changed_in_place_fails(accounts, world, csv_file, capsys):
    job = _interrupted(world, csv_file)
    csv_file.write_bytes(csv_bytes(*SOME_ROWS, "A-1,r4,2025-03-09 10:00,1,,,"))
    code, _, err = _run(capsys, str(csv_file), "--user", "alice", "--resume", str(job.pk))
    assert code == 2
    assert f"is not the file of import {job.pk}" in err
    assert Response.objects.count() == 2
