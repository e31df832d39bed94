"""`rapport import feedback --errors FILE`, `rapport teams`, and a workbook given as CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook

from rapport.cli import main
from rapport.feedback.models import ImportJob, ImportStatus
from tests.factories import TeamFactory
from tests.feedback.helpers import HEADER, csv_bytes

pytestmark = pytest.mark.django_db


def test_errors_file_holds_the_rejected_rows_as_the_web_download_does(
    world, accounts, tmp_path, capsys, user_client
):
    source = tmp_path / "responses.csv"
    source.write_bytes(
        csv_bytes(HEADER, "A-1,r2,2025-03-04 10:00,11,4,6,x", "=1+1,r3,2025-03-04,1,1,1,")
    )
    rejected = tmp_path / "rejected.csv"
    code = main(["import", "feedback", str(source), "--user", "alice", "--errors", str(rejected)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"2 rejected row(s) written to {rejected}" in out
    job = ImportJob.objects.get()
    download = user_client.get(reverse("feedback:import-errors-csv", args=[job.pk]))
    assert rejected.read_bytes().decode() == b"".join(download.streaming_content).decode()
    assert rejected.read_text().splitlines()[2].startswith("3,account,'=1+1,")  # neutralised


def test_errors_file_in_a_missing_folder_is_refused_before_importing(
    world, accounts, tmp_path, capsys
):
    source = tmp_path / "responses.csv"
    source.write_bytes(csv_bytes(HEADER, "A-1,r2,2025-03-04 10:00,9,4,6,x"))
    code = main(["import", "feedback", str(source), "--errors", str(tmp_path / "no" / "x.csv")])
    assert code == 2
    assert "--errors: no folder" in capsys.readouterr().err
    assert not ImportJob.objects.exists()


def test_teams_lists_the_slugs_the_user_sees(world, capsys):
    TeamFactory(name="West", slug="west")
    assert main(["teams", "--user", "alice"]) == 0
    assert capsys.readouterr().out == f"{world.team.slug}\t{world.team.name}\n"
    assert main(["teams"]) == 0  # the first superuser: every team
    slugs = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert sorted(slugs) == sorted([world.team.slug, world.other_team.slug, "west"])


def test_a_workbook_given_as_csv_is_named_a_workbook(world, accounts, tmp_path, capsys):
    book = Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(["A-1", "r1", "2025-03-04 10:00", 9, 4, 6, "fine"])
    path = tmp_path / "responses.xlsx"
    book.save(path)
    code = main(["import", "feedback", str(path), "--format", "csv", "--user", "alice"])
    assert code == 1
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert job.error == ("the file is an Excel workbook (.xlsx), not a CSV file; import it as xlsx")
    assert "Windows-1252" not in capsys.readouterr().out


def test_the_reader_names_the_workbook_whatever_the_file_is_called(world, accounts, tmp_path):
    book = Workbook()
    book.active.append(["account"])
    path = Path(tmp_path / "export.csv")  # an .xlsx renamed: the bytes decide
    book.save(path)
    assert main(["import", "feedback", str(path), "--user", "alice"]) == 1
    assert "Excel workbook" in ImportJob.objects.get().error
