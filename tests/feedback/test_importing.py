"""The file import pipeline end to end: services.start_import(background=False), then
services.run_import_job, then what is in the database."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from rapport.analytics.models import AccountSnapshot, MetricRollup
from rapport.core.models import AuditEvent, Role
from rapport.customers.models import Account
from rapport.feedback.models import ImportJob, ImportStatus, Response
from rapport.feedback.selectors import import_summary
from tests.factories import AccountFactory, ContactFactory, MembershipFactory, UserFactory
from tests.feedback.helpers import (
    HEADER,
    SOME_ROWS,
    assert_rollups_match,
    counts,
    csv_bytes,
    errors,
    import_bytes,
    import_lines,
    rollup_state,
    stored,
)

pytestmark = pytest.mark.django_db


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def _assert_nothing_written() -> None:
    assert not Response.objects.exists()
    assert not MetricRollup.objects.exists()


# --- encodings, delimiters, header names -----------------------------------------------------


ENCODED = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8 with BOM": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16 LE with BOM": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "cp1252": lambda text: text.encode("cp1252"),
}


@pytest.mark.parametrize("encoding", ENCODED)
def test_encodings_are_detected_and_text_kept_exactly(accounts, world, encoding):
    text = (
        "account,external_id,submitted_at,nps,comment\n"
        "A-1,r1,2025-03-04 10:00,9,café £5 – très bien\n"
        "A-2,r2,2025-03-05 10:00,7,Zoë paid £12\n"
    )
    job = import_bytes(world.user, ENCODED[encoding](text))
    assert job.status == ImportStatus.SUCCEEDED, job.error
    assert counts(job) == (2, 2, 0, 0, 0)
    assert dict(Response.objects.values_list("external_id", "comment")) == {
        "r1": "café £5 – très bien",
        "r2": "Zoë paid £12",
    }
    # The BOM is not part of the first column's name (else "account" would be missing).
    assert Response.objects.get(external_id="r1").account == accounts["A-1"]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(accounts, world, delimiter):
    lines = [
        ["account", "external_id", "submitted_at", "nps", "comment"],
        ["A-1", "r1", "2025-03-04 10:00", "9", "good, fast"],
        ["A-2", "r2", "2025-03-05 10:00", "4", "late; again"],
    ]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(lines)
    content = out.getvalue().encode()
    job = import_bytes(world.user, content)
    assert counts(job) == (2, 2, 0, 0, 0), errors(job)
    assert sorted(Response.objects.values_list("external_id", "nps", "comment")) == [
        ("r1", 9, "good, fast"),
        ("r2", 4, "late; again"),
    ]


def test_header_names_match_ignoring_case_spaces_and_punctuation(accounts, world):
    job = import_lines(
        world.user,
        "Account ID;Response-ID;Submitted At;N.P.S.;CSAT;C.E.S.;COMMENT;Channel;Contact E-mail",
        "A-1;r1;2025-03-04 10:00;10;5;7;great;E-mail;Pat@Customer.Example",
    )
    assert counts(job) == (1, 1, 0, 0, 0), errors(job)
    response = Response.objects.get()
    assert (response.external_id, response.nps, response.csat, response.ces) == ("r1", 10, 5, 7)
    assert (response.comment, response.channel) == ("great", "email")


def test_contact_is_found_by_email_in_the_rows_account(accounts, world):
    contact = ContactFactory(account=accounts["A-1"], email="pat@customer.example")
    ContactFactory(account=accounts["A-2"], email="sam@customer.example")
    import_lines(
        world.user,
        "account,external_id,submitted_at,nps,contact_email",
        "A-1,r1,2025-03-04 10:00,9,PAT@customer.example",
        "A-1,r2,2025-03-04 10:00,9,sam@customer.example",  # another account's contact
    )
    assert dict(Response.objects.values_list("external_id", "respondent_contact")) == {
        "r1": contact.pk,
        "r2": None,
    }


def test_a_row_with_more_cells_than_the_header_is_rejected_not_cut(accounts, world):
    job = import_lines(
        world.user,
        "account;external_id;submitted_at;nps;comment",
        "A-1;r1;2025-03-04 10:00;9;late; again",  # an unquoted delimiter in the comment
        "A-1;r2;2025-03-04 10:00;9;fine;;",  # trailing empty cells are harmless
        "A-1;r3;2025-03-04 10:00;9",  # missing cells are empty
    )
    assert errors(job) == [
        (
            2,
            "",
            " again",
            "the row has 6 cells but the header has 5 columns; "
            "quote values that contain the delimiter",
        )
    ]
    assert counts(job) == (3, 2, 0, 0, 1)
    assert sorted(Response.objects.values_list("external_id", "comment")) == [
        ("r2", "fine"),
        ("r3", ""),
    ]


# --- whole-file problems -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n  \n", codecs.BOM_UTF8, b",,,\n,,\n"],
    ids=["zero bytes", "blank lines", "BOM only", "empty cells"],
)
def test_empty_file_fails_with_a_clear_message(accounts, world, content):
    job = import_bytes(world.user, content)
    assert job.status == ImportStatus.FAILED
    assert job.error == "the file is empty"
    assert counts(job) == (0, 0, 0, 0, 0)
    assert import_summary(job) == "Failed: the file is empty."
    _assert_nothing_written()


def test_header_only_succeeds_with_nothing_to_import(accounts, world):
    job = import_lines(world.user, HEADER)
    assert job.status == ImportStatus.SUCCEEDED
    assert counts(job) == (0, 0, 0, 0, 0)
    assert import_summary(job) == "The file has a header but no data rows: nothing to import."
    _assert_nothing_written()


def test_more_header_rows_than_the_file_has(accounts, world):
    job = import_lines(world.user, HEADER, "A-1,r1,2025-03-04,9,,,", mapping={"header_rows": 3})
    assert (job.status, job.error) == (
        ImportStatus.FAILED,
        "the header should have 3 rows but the file has 2",
    )
    _assert_nothing_written()


def test_a_file_that_is_not_valid_utf8_after_the_sample_fails_naming_the_row(accounts, world):
    filler = "".join(f"A-1,r{i},2025-03-04 10:00,9,,,{'x' * 80}\n" for i in range(1000))
    content = (HEADER + "\n" + filler).encode() + b"A-1,bad,2025-03-04 10:00,9,,,caf\xe9\n"
    assert len(content) > 64 * 1024  # the encoding is guessed from the first 64 KB
    job = import_bytes(world.user, content)
    assert job.status == ImportStatus.FAILED
    assert job.error == (
        "row 1002: the file is not valid UTF-8 text from this row on; "
        "save it as UTF-8 and import it again"
    )


def test_missing_required_column_names_it_and_writes_nothing(accounts, world):
    job = import_lines(world.user, "external_id,submitted_at,nps", "r1,2025-03-04 10:00,9")
    assert job.status == ImportStatus.FAILED
    assert job.error == (
        "missing required column(s): account. "
        "The file's columns are: 'external_id', 'submitted_at', 'nps'"
    )
    assert counts(job) == (0, 0, 0, 0, 0)
    _assert_nothing_written()


def test_mapped_column_not_in_file_is_named(accounts, world):
    job = import_lines(
        world.user,
        "account,when,score",
        "A-1,2025-03-04 10:00,9",
        mapping={"columns": {"nps": "Likelihood", "submitted_at": "when"}},
    )
    assert job.status == ImportStatus.FAILED
    assert job.error.startswith("mapped column(s) not found: 'Likelihood' (for nps). ")
    _assert_nothing_written()


def test_mapping_renames_columns_and_sets_answers_and_defaults(accounts, world):
    job = import_lines(
        world.user,
        "Ref,When,Likelihood,Ease,Team size,Notes",
        "r1,2025-03-04 10:00,9,4,12,ok",
        "r2,2025-03-05 10:00,6,2.5,,meh",
        mapping={
            "columns": {"external_id": "Ref", "submitted_at": "when", "nps": "Likelihood"},
            "answers": {"ease": "Ease", "team_size": "team size", "notes": "Notes"},
            "account": "A-2",
            "channel": "call",
            "source_system": "crm",
        },
    )
    assert counts(job) == (2, 2, 0, 0, 0), errors(job)
    rows = Response.objects.order_by("external_id")
    assert [(r.source_system, r.external_id, r.account_id, r.channel) for r in rows] == [
        ("crm", "r1", accounts["A-2"].pk, "call"),
        ("crm", "r2", accounts["A-2"].pk, "call"),
    ]
    assert [r.answers for r in rows] == [
        {"ease": 4, "team_size": 12, "notes": "ok"},
        {"ease": 2.5, "notes": "meh"},
    ]
    assert [r.comment for r in rows] == ["", ""]
    assert_rollups_match("ease", "team_size")


# --- row values --------------------------------------------------------------------------------


def test_scores_out_of_range_or_not_whole_numbers_are_rejected(accounts, world):
    job = import_lines(
        world.user,
        "account,external_id,submitted_at,NPS,CSAT,CES",
        "A-1,r1,2025-03-04 10:00,11,,",
        "A-1,r2,2025-03-04 10:00,,0,",
        "A-1,r3,2025-03-04 10:00,,,8",
        "A-1,r4,2025-03-04 10:00,ten,,",
        "A-1,r5,2025-03-04 10:00,7.5,,",
        "A-1,r6,2025-03-04 10:00,-1,6,x",  # three problems, one rejected row
        "A-1,r7,2025-03-04 10:00,9.0, 5 ,1",
        "A-1,r8,2025-03-04 10:00,0,1,7",
    )
    assert errors(job) == [
        (2, "NPS", "11", "NPS 11 is out of range 0–10"),
        (3, "CSAT", "0", "CSAT 0 is out of range 1–5"),
        (4, "CES", "8", "CES 8 is out of range 1–7"),
        (5, "NPS", "ten", "NPS must be a whole number from 0 to 10"),
        (6, "NPS", "7.5", "NPS must be a whole number from 0 to 10"),
        (7, "NPS", "-1", "NPS -1 is out of range 0–10"),
        (7, "CSAT", "6", "CSAT 6 is out of range 1–5"),
        (7, "CES", "x", "CES must be a whole number from 1 to 7"),
    ]
    assert counts(job) == (8, 2, 0, 0, 6)
    assert sorted(Response.objects.values_list("external_id", "nps", "csat", "ces")) == [
        ("r7", 9, 5, 1),
        ("r8", 0, 1, 7),
    ]
    assert_rollups_match()


def test_unparseable_and_ambiguous_dates_without_date_format(accounts, world):
    job = import_lines(
        world.user,
        "account,external_id,Date,nps",
        "A-1,r1,03/04/2025,9",
        "A-1,r2,yesterday,9",
        "A-1,r3,31/02/2025,9",
        "A-1,r4,,9",
        "A-1,r5,13/04/2025,9",  # only one reading: 13 April
        "A-1,r6,04/13/2025 16:45,9",  # only one reading: 13 April
        "A-1,r7,05/05/2025,9",  # both readings are the same day
        "A-1,r8,2025-04-03T08:00:00,9",
    )
    assert errors(job) == [
        (
            2,
            "Date",
            "03/04/2025",
            "ambiguous date '03/04/2025': 3 April 2025 or 4 March 2025? "
            "Set date_format in the mapping (e.g. %d/%m/%Y) or use ISO 8601",
        ),
        (
            3,
            "Date",
            "yesterday",
            "date 'yesterday' is not ISO 8601 (2025-03-04 14:30); set date_format in the mapping",
        ),
        (4, "Date", "31/02/2025", "date '31/02/2025' is not a valid date"),
        (5, "Date", "", "submitted_at is empty"),
    ]
    assert counts(job) == (8, 4, 0, 0, 4)
    zone = ZoneInfo(settings.TIME_ZONE)

    def local(*args: int) -> dt.datetime:
        return dt.datetime(*args, tzinfo=zone).astimezone(UTC)

    assert dict(Response.objects.values_list("external_id", "submitted_at")) == {
        "r5": local(2025, 4, 13),
        "r6": local(2025, 4, 13, 16, 45),
        "r7": local(2025, 5, 5),
        "r8": local(2025, 4, 3, 8),
    }


def test_date_format_in_mapping_decides_day_and_month(accounts, world):
    job = import_lines(
        world.user,
        "account,external_id,submitted_at,nps",
        "A-1,r1,03/04/2025 14:30,9",
        "A-1,r2,2025-04-05 09:00,9",  # ISO is still accepted
        "A-1,r3,04-03-2025 10:00,9",
        mapping={"date_format": "%d/%m/%Y %H:%M", "timezone": "UTC"},
    )
    assert errors(job) == [
        (
            4,
            "submitted_at",
            "04-03-2025 10:00",
            "date '04-03-2025 10:00' does not match date_format '%d/%m/%Y %H:%M' or ISO 8601",
        )
    ]
    assert dict(Response.objects.values_list("external_id", "submitted_at")) == {
        "r1": _utc(2025, 4, 3, 14, 30),
        "r2": _utc(2025, 4, 5, 9),
    }


def test_naive_times_are_read_in_the_organisation_timezone(accounts, world):
    assert settings.TIME_ZONE == "Europe/London"  # the default the expectations below assume
    import_lines(
        world.user,
        "account,external_id,submitted_at,nps",
        "A-1,summer,2025-07-01 12:00,9",  # BST, UTC+1
        "A-1,winter,2025-01-15 12:00,9",  # GMT
        "A-1,offset,2025-07-01T12:00:00+02:00,9",  # an explicit offset wins
        "A-1,zulu,2025-07-01T12:00:00Z,9",
        "A-1,midnight,2025-07-01 00:30,9",
    )
    assert dict(Response.objects.values_list("external_id", "submitted_at")) == {
        "summer": _utc(2025, 7, 1, 11),
        "winter": _utc(2025, 1, 15, 12),
        "offset": _utc(2025, 7, 1, 10),
        "zulu": _utc(2025, 7, 1, 12),
        "midnight": _utc(2025, 6, 30, 23, 30),
    }
    # Stored as UTC, bucketed by the local day: 00:30 BST on 1 July is a 1 July response.
    days = MetricRollup.objects.filter(metric="nps", period="day")
    assert dict(days.values_list("period_start", "n")) == {
        dt.date(2025, 7, 1): 4,
        dt.date(2025, 1, 15): 1,
    }


def test_mapping_timezone_applies_to_naive_times_only(accounts, world):
    import_lines(
        world.user,
        "account,external_id,submitted_at,nps",
        "A-1,winter,2025-01-15 09:00,9",  # EST, UTC-5
        "A-1,summer,2025-07-01 09:00,9",  # EDT, UTC-4
        "A-1,aware,2025-07-01T09:00:00+00:00,9",
        mapping={"timezone": "America/New_York"},
    )
    assert dict(Response.objects.values_list("external_id", "submitted_at")) == {
        "winter": _utc(2025, 1, 15, 14),
        "summer": _utc(2025, 7, 1, 13),
        "aware": _utc(2025, 7, 1, 9),
    }


def test_unknown_channel_and_overlong_ids_are_rejected(accounts, world):
    long_id = "x" * 121
    job = import_lines(
        world.user,
        "account,external_id,submitted_at,nps,channel",
        "A-1,r1,2025-03-04 10:00,9,pigeon",
        f"A-1,{long_id},2025-03-04 10:00,9,survey",
        "A-1,r3,2025-03-04 10:00,9,Business review",
    )
    assert errors(job) == [
        (
            2,
            "channel",
            "pigeon",
            "unknown channel; use one of survey, email, call, business_review, review_site, "
            "social, complaint, informal_note, staff, mystery_shop",
        ),
        (3, "external_id", long_id, "external id is longer than 120 characters"),
    ]
    assert list(Response.objects.values_list("external_id", "channel")) == [
        ("r3", "business_review")
    ]


def test_cells_that_look_like_formulas_are_stored_exactly_as_text(accounts, world):
    cells = ['=HYPERLINK("http://evil.example","click")', "+1 555 0100", "-minus", "@SUM(A1:A9)"]
    import_lines(
        world.user,
        "account,external_id,submitted_at,nps,comment",
        *(
            f'A-1,"{cell.replace(chr(34), chr(34) * 2)}",2025-03-04 10:00,9,'
            f'"{cell.replace(chr(34), chr(34) * 2)}"'
            for cell in cells
        ),
    )
    assert sorted(Response.objects.values_list("external_id", "comment")) == sorted(
        (cell, cell) for cell in cells
    )


# --- duplicates and idempotency ------------------------------------------------------------------


def test_duplicate_external_id_in_one_file_rejects_the_later_row(accounts, world):
    job = import_lines(
        world.user,
        HEADER,
        "A-1,r1,2025-03-04 10:00,9,,,first",
        "A-1,r2,2025-03-04 10:00,8,,,",
        "A-2,r1,2025-03-05 10:00,2,,,second",
        "A-1,r2,2025-03-04 10:00,8,,,",
        "A-1,,2025-03-06 10:00,5,,,no id",
        "A-1,,2025-03-06 10:00,5,,,no id",
        "A-1,,2025-03-06 10:00,6,,,no id",
        batch_rows=2,  # repeats are caught across batches too
    )
    assert errors(job) == [
        (4, "external_id", "r1", "duplicate external id: first seen in row 2"),
        (5, "external_id", "r2", "duplicate external id: first seen in row 3"),
        (7, "external_id", "", "repeats row 6 exactly (neither has an external id)"),
    ]
    assert counts(job) == (7, 4, 0, 0, 3)
    first = Response.objects.get(external_id="r1")
    assert (first.comment, first.account_id) == ("first", accounts["A-1"].pk)
    generated = Response.objects.filter(external_id__startswith="sha1:")
    assert sorted(generated.values_list("nps", flat=True)) == [5, 6]


def test_importing_the_same_file_again_changes_nothing(accounts, world):
    content = csv_bytes(*SOME_ROWS, "A-2,,2025-03-07 10:00,8,,,no id")
    first = import_bytes(world.user, content)
    assert counts(first) == (4, 4, 0, 0, 0)
    before = list(Response.objects.order_by("pk").values_list("pk", "updated_at", "import_job"))
    rollups = rollup_state()

    again = import_bytes(world.user, content, name="copy.csv")
    assert counts(again) == (4, 0, 0, 4, 0)
    assert import_summary(again) == ("4 rows read: 0 inserted, 0 updated, 4 unchanged, 0 rejected.")
    after = list(Response.objects.order_by("pk").values_list("pk", "updated_at", "import_job"))
    assert after == before
    assert rollup_state() == rollups


def test_changed_rows_update_and_move_the_rollups(accounts, world):
    import_lines(world.user, *SOME_ROWS)
    job = import_lines(
        world.user,
        HEADER,
        "A-1,r1,2025-03-04 10:00,9,4,6,fine",  # unchanged
        "A-2,r2,2025-03-05 11:00,10,2,,fixed",  # nps 3 → 10, comment
        "A-1,r3,2025-04-20 12:00,,5,7,",  # moved to another month
        "A-2,r4,2025-03-08 12:00,0,1,1,new",
    )
    assert counts(job) == (4, 1, 2, 1, 0)
    assert Response.objects.count() == 4
    r2 = Response.objects.get(external_id="r2")
    assert (r2.nps, r2.comment, r2.import_job_id) == (10, "fixed", job.pk)
    assert_rollups_match()
    march = MetricRollup.objects.filter(period="month", period_start=dt.date(2025, 3, 1))
    a2 = march.get(account=accounts["A-2"], metric="nps")
    assert (a2.n, a2.total, a2.promoters, a2.detractors) == (2, 10, 1, 1)
    moved = MetricRollup.objects.get(
        account=accounts["A-1"], metric="csat", period="month", period_start=dt.date(2025, 3, 1)
    )
    assert (moved.n, moved.total, moved.top2) == (1, 4, 1)  # r3's csat 5 left March
    april = MetricRollup.objects.get(
        account=accounts["A-1"], metric="csat", period="month", period_start=dt.date(2025, 4, 1)
    )
    assert (april.n, april.total, april.top2) == (1, 5, 1)


def test_same_external_id_from_two_files_is_one_response(accounts, world):
    first = import_lines(
        world.user,
        HEADER,
        "A-1,r1,2025-03-04 10:00,9,4,6,fine",
        "A-1,r2,2025-03-05 10:00,7,,,",
    )
    second = import_bytes(
        world.user,
        csv_bytes(
            "Comment;NPS;Response ID;Account;Date;CSAT;CES",
            "fine;9;r1;A-1;2025-03-04T10:00:00+00:00;4;6",
            "changed;7;r2;A-1;2025-03-05 10:00;;",
            "new;1;r3;A-1;2025-03-06 10:00;;",
        ),
        name="export-2.txt",
    )
    assert counts(first) == (2, 2, 0, 0, 0)
    assert counts(second) == (3, 1, 1, 1, 0)
    assert sorted(Response.objects.values_list("external_id", "comment")) == [
        ("r1", "fine"),
        ("r2", "changed"),
        ("r3", "new"),
    ]


def test_source_system_is_part_of_the_identity(accounts, world):
    import_lines(world.user, *SOME_ROWS)
    job = import_lines(world.user, *SOME_ROWS, mapping={"source_system": "crm"})
    assert counts(job) == (3, 3, 0, 0, 0)
    assert Response.objects.filter(source_system="import").count() == 3
    assert Response.objects.filter(source_system="crm").count() == 3
    mixed = import_lines(
        world.user,
        "account,external_id,submitted_at,nps,source_system",
        "A-1,r1,2025-03-04 10:00,10,crm",
        "A-1,r1,2025-03-04 10:00,9,survey-tool",
    )
    assert counts(mixed) == (2, 1, 1, 0, 0)
    assert sorted(
        Response.objects.filter(external_id="r1").values_list("source_system", "nps")
    ) == [("crm", 10), ("import", 9), ("survey-tool", 9)]


# --- accounts ----------------------------------------------------------------------------------


def test_unknown_and_other_teams_accounts_are_rejected_per_row(accounts, world):
    job = import_lines(
        world.user,
        HEADER,
        "A-1,r1,2025-03-04 10:00,9,,,",
        "NOPE,r2,2025-03-04 10:00,9,,,",
        "B-1,r3,2025-03-04 10:00,9,,,",
        ",r4,2025-03-04 10:00,9,,,",
        "a-2,r5,2025-03-04 10:00,9,,,",  # external ids match ignoring case
    )
    assert errors(job) == [
        (3, "account", "NOPE", "no account with external id 'NOPE'"),
        (4, "account", "B-1", "no account with external id 'B-1'"),
        (5, "account", "", "account is empty"),
    ]
    assert counts(job) == (5, 2, 0, 0, 3)
    assert not Response.objects.filter(account=accounts["B-1"]).exists()
    assert Response.objects.get(external_id="r5").account == accounts["A-2"]


def test_an_administrator_imports_into_every_team(accounts, world):
    job = import_lines(
        world.admin, HEADER, "A-1,r1,2025-03-04 10:00,9,,,", "B-1,r2,2025-03-04,9,,,"
    )
    assert counts(job) == (2, 2, 0, 0, 0)
    assert job.all_teams


def test_accounts_matched_by_name_or_id(accounts, world):
    AccountFactory(team=world.team, name="Twin")
    AccountFactory(team=world.team, name="Twin")
    by_name = import_lines(
        world.user,
        "account,external_id,submitted_at,nps",
        "  acme FOODS ,r1,2025-03-04 10:00,9",
        "Twin,r2,2025-03-04 10:00,9",
        "Borealis Bank,r3,2025-03-04 10:00,9",
        mapping={"account_match": "name"},
    )
    assert errors(by_name) == [
        (3, "account", "Twin", "'Twin' is the name of more than one account; match on external_id"),
        (4, "account", "Borealis Bank", "no account with name 'Borealis Bank'"),
    ]
    by_id = import_lines(
        world.user,
        "account,external_id,submitted_at,nps",
        f"{accounts['A-2'].pk},r4,2025-03-04 10:00,9",
        f"{accounts['B-1'].pk},r5,2025-03-04 10:00,9",
        mapping={"account_match": "id"},
    )
    pk = accounts["B-1"].pk
    assert errors(by_id) == [(3, "account", str(pk), f"no account with id '{pk}'")]
    assert dict(Response.objects.values_list("external_id", "account")) == {
        "r1": accounts["A-1"].pk,
        "r4": accounts["A-2"].pk,
    }


def test_missing_accounts_are_created_in_the_default_team(accounts, world):
    job = import_lines(
        world.user,
        HEADER,
        "NEW-1,r1,2025-03-04 10:00,9,,,",
        "A-1,r2,2025-03-04 10:00,9,,,",
        "new-1,r3,2025-03-04 10:00,3,,,",  # the same key: no second account
        "B-1,r4,2025-03-04 10:00,9,,,",  # exists in another team: not created, rejected
        "NEW-2,r5,2025-03-04 10:00,4,,,",
        mapping={"create_missing_accounts": True, "default_team": world.team.slug},
        batch_rows=2,
    )
    assert errors(job) == [(5, "account", "B-1", "no account with external id 'B-1'")]
    assert counts(job) == (5, 4, 0, 0, 1)
    assert job.accounts_created == 2
    created = Account.objects.filter(external_id__in=["NEW-1", "NEW-2"]).order_by("external_id")
    assert [(a.name, a.team_id) for a in created] == [
        ("NEW-1", world.team.pk),
        ("NEW-2", world.team.pk),
    ]
    assert Account.objects.filter(external_id="B-1").count() == 1
    assert sorted(
        Response.objects.filter(account=created[0]).values_list("external_id", flat=True)
    ) == ["r1", "r3"]
    events = AuditEvent.objects.filter(object_type="customers.account", action="create")
    assert sorted(events.values_list("object_id", "via")) == sorted(
        (str(a.pk), "import") for a in created
    )
    assert import_summary(job).endswith("; 2 accounts created.")
    assert_rollups_match()


def test_a_pending_account_whose_rows_were_all_rejected_keeps_its_own_id(accounts, world):
    """An account to create that waits for a later batch must not take another's place."""
    job = import_lines(
        world.user,
        HEADER,
        "NEW-A,r1,2025-03-04 10:00,9,,,",
        "NEW-B,r2,2025-03-04 10:00,99,,,",  # rejected: NEW-B is not created yet
        "NEW-C,r3,2025-03-04 10:00,8,,,",
        "NEW-B,r4,2025-03-04 10:00,7,,,",
        mapping={"create_missing_accounts": True, "default_team": world.team.slug},
        batch_rows=2,
    )
    assert counts(job) == (4, 3, 0, 0, 1)
    assert job.accounts_created == 3
    owners = dict(Response.objects.values_list("external_id", "account__external_id"))
    assert owners == {"r1": "NEW-A", "r3": "NEW-C", "r4": "NEW-B"}


@pytest.mark.parametrize("team", ["other", "unknown", "analyst"])
def test_creating_accounts_needs_a_team_where_the_user_may(accounts, world, team):
    actor = world.user
    slug = {"other": world.other_team.slug, "unknown": "nowhere"}.get(team, world.team.slug)
    if team == "analyst":  # may import, may not create accounts
        actor = UserFactory(username="ann")
        MembershipFactory(user=actor, team=world.team, role=Role.ANALYST)
    job = import_lines(
        actor,
        HEADER,
        "NEW-1,r1,2025-03-04 10:00,9,,,",
        mapping={"create_missing_accounts": True, "default_team": slug},
    )
    assert job.status == ImportStatus.FAILED
    assert job.error == f"default_team {slug!r} is not a team where you may create accounts"
    assert counts(job) == (0, 0, 0, 0, 0)
    assert not Account.objects.filter(external_id="NEW-1").exists()
    _assert_nothing_written()


# --- dry run -------------------------------------------------------------------------------------


def test_dry_run_reports_what_it_would_do_and_writes_nothing(accounts, world):
    import_lines(world.user, *SOME_ROWS)
    responses, rollups = stored(), rollup_state()
    snapshots = list(AccountSnapshot.objects.order_by("pk").values())
    job = import_lines(
        world.user,
        HEADER,
        "A-1,r1,2025-03-04 10:00,9,4,6,fine",  # unchanged
        "A-2,r2,2025-03-05 11:00,10,2,,fixed",  # changed
        "A-1,r4,2025-03-09 10:00,1,,,",
        "NEW-1,r5,2025-03-09 10:00,2,,,",  # a new account
        "A-1,r6,2025-03-09 10:00,12,,,",  # rejected
        mapping={"create_missing_accounts": True, "default_team": world.team.slug},
        dry_run=True,
    )
    assert job.dry_run
    assert job.status == ImportStatus.SUCCEEDED
    assert counts(job) == (5, 2, 1, 1, 1)
    assert job.accounts_created == 1
    assert errors(job) == [(6, "nps", "12", "NPS 12 is out of range 0–10")]
    assert import_summary(job) == (
        "Dry run, nothing was written: 5 rows read; would insert 2, update 1, leave 1 unchanged "
        "and reject 1; 1 accounts would be created."
    )
    assert stored() == responses
    assert rollup_state() == rollups
    assert list(AccountSnapshot.objects.order_by("pk").values()) == snapshots
    assert not Account.objects.filter(external_id="NEW-1").exists()
    assert not Response.objects.filter(import_job=job).exists()


# --- the audit trail and snapshots ----------------------------------------------------------------


def test_an_import_writes_one_audit_event_and_refreshes_snapshots(accounts, world):
    now = dt.datetime.now(UTC).replace(microsecond=0)
    job = import_lines(
        world.user,
        "account,external_id,submitted_at,nps",
        f"A-1,r1,{now.isoformat()},10",
        f"A-1,r2,{now.isoformat()},0",
        f"A-2,r3,{now.isoformat()},9",
    )
    event = AuditEvent.objects.get(action="import")
    assert (event.object_type, event.object_id) == ("feedback.importjob", str(job.pk))
    assert (event.actor, event.team_id, event.via) == (world.user, world.team.pk, "test")
    assert (
        event.detail
        == "responses.csv: 3 rows read: 3 inserted, 0 updated, 0 unchanged, 0 rejected."
    )
    snapshot = AccountSnapshot.objects.get(account=accounts["A-1"], metric="nps")
    assert (snapshot.current["n"], snapshot.current["promoters"]) == (2, 1)
    assert (snapshot.current["detractors"], snapshot.previous) == (
        1,
        {
            "n": 0,
            "total": 0,
            "total_sq": 0,
            "promoters": 0,
            "passives": 0,
            "detractors": 0,
            "top2": 0,
        },
    )
    assert set(AccountSnapshot.objects.values_list("account", flat=True)) == {
        accounts["A-1"].pk,
        accounts["A-2"].pk,
    }


def test_a_finished_job_is_not_run_twice(accounts, world):
    job = import_lines(world.user, *SOME_ROWS)
    from rapport.feedback import services

    again = services.run_import_job(job_id=job.pk)
    assert counts(again) == (3, 3, 0, 0, 0)
    assert ImportJob.objects.get(pk=job.pk).rows_read == 3
    assert AuditEvent.objects.filter(action="import").count() == 1
