"""The SQL of one chunk of rows: find the rows that exist, insert and update with executemany.

At a million rows the ORM's per-object cost would dominate, so rows go in as parameter
tuples. Each row written records its job and its row number in the file (`import_row`), so
that the unique key finds a later repeat of it in the same file (see `dedupe`). Rollups move
in the same transaction as the rows, from the old version of each updated row to its new
version: into the caller's BatchChanges (an import writes it once per batch of chunks), or
written at once (feedback.hooks: analytics registers the rollup writer).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from django.db import connection
from django.utils import timezone

from rapport.customers.models import Account, Contact
from rapport.feedback.hooks import BatchChanges
from rapport.feedback.importing.rows import RowProblem, ValidRow
from rapport.feedback.models import ImportJob, ImportRowError, Response

COMPARED = (
    "account_id",
    "channel",
    "submitted_at",
    "respondent_contact_id",
    "nps",
    "csat",
    "ces",
    "answers",
    "comment",
)
_INSERTED = (
    *COMPARED, "source_system", "external_id", "import_job_id", "import_row", "created_at",
    "updated_at", "team_id",
)  # fmt: skip
_UPDATED = (*COMPARED, "import_job_id", "import_row", "updated_at")
_ORIGIN = ("import_job_id", "import_row")
CHECKPOINT_FIELDS = (
    "heartbeat_at",
    "checkpoint_row",
    "checkpoint_byte",
    "bytes_done",
    "rows_read",
    "rows_inserted",
    "rows_updated",
    "rows_skipped",
    "rows_rejected",
    "accounts_created",
)
MAX_IN_CHUNK = 5000


class Existing(NamedTuple):
    pk: int
    account_id: int
    channel: str
    submitted_at: datetime
    respondent_contact_id: int | None
    nps: int | None
    csat: int | None
    ces: int | None
    answers: dict[str, Any]
    comment: str
    import_job_id: int | None  # the job that last inserted or updated it,
    import_row: int | None  # from this row of its file (None: written before rows were kept)


@dataclass
class BatchOutcome:
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    accounts: set[int] = field(default_factory=set)  # whose rollups moved
    unchanged: list[ValidRow] = field(default_factory=list)  # the skipped rows


def _chunks(values: list[Any], reserved: int = 1) -> Iterable[list[Any]]:
    """Slices that keep an IN query under the database's parameter limit (999 on SQLite)."""
    size = min(MAX_IN_CHUNK, (connection.features.max_query_params or MAX_IN_CHUNK) - reserved)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def account_teams(account_ids: Iterable[int]) -> dict[int, int]:
    """account → team, for the accounts that exist (one query per few thousand accounts)."""
    wanted = sorted({pk for pk in account_ids if pk > 0})
    teams: dict[int, int] = {}
    for chunk in _chunks(wanted, reserved=0):
        teams.update(Account.objects.filter(pk__in=chunk).values_list("pk", "team_id"))
    return teams


def written_keys(job_id: int) -> Iterator[tuple[str, str, int]]:
    """(source_system, external_id, row) of every response this job wrote, streamed."""
    rows = (
        Response.objects.filter(import_job_id=job_id, import_row__isnull=False)
        .order_by()
        .values_list("source_system", "external_id", "import_row")
        .iterator(chunk_size=20_000)
    )
    return cast(Iterator[tuple[str, str, int]], rows)  # import_row is not null here


def find_existing(
    rows: Iterable[ValidRow], *, new_accounts_team: int | None = None
) -> dict[tuple[str, str], Existing]:
    """The stored responses these rows would update, by (source_system, external_id).

    An external id identifies a response within the team that owns it, so each row's key is
    looked up in the team of the row's account (`new_accounts_team` for an account that the
    import is about to create): another team's response with the same key is neither found
    nor changed. An id that several rows give is looked up for the first of them, the one a
    repeat check keeps. One query a chunk of ids, and one more for the contents of the rows
    found."""
    rows = list(rows)
    teams = account_teams(row.account_id for row in rows)
    wanted: dict[tuple[int, str], list[str]] = defaultdict(list)
    looked_up: set[tuple[str, str]] = set()
    for row in rows:
        key = (row.source_system, row.external_id)
        team = teams.get(row.account_id) if row.account_id > 0 else new_accounts_team
        if team is not None and key not in looked_up:
            looked_up.add(key)
            wanted[(team, row.source_system)].append(row.external_id)
    table = connection.ops.quote_name(Response._meta.db_table)
    pks: list[int] = []
    with connection.cursor() as cursor:
        for (team, source), external_ids in wanted.items():
            for chunk in _chunks(external_ids, reserved=2):
                # Plain SQL: the ORM prepares each of a million ids as a lookup value, which
                # costs more than the query. NOT (external_id = '') repeats the unique
                # index's condition so that SQLite uses that index.
                cursor.execute(
                    f"SELECT id FROM {table} WHERE team_id = %s AND source_system = %s"  # noqa: S608 (names are ours)
                    f" AND external_id IN ({', '.join(['%s'] * len(chunk))})"
                    " AND NOT (external_id = '')",
                    [team, source, *chunk],
                )
                pks.extend(pk for (pk,) in cursor.fetchall())
    found: dict[tuple[str, str], Existing] = {}
    for chunk in _chunks(pks, reserved=0):
        rows = (
            Response.objects.filter(pk__in=chunk)
            .order_by()
            .values_list("source_system", "external_id", "pk", *COMPARED, *_ORIGIN)
        )
        for source, external_id, *values in rows:
            found[(source, external_id)] = Existing(*values)
    return found


def contact_ids(rows: list[ValidRow]) -> dict[tuple[int, str], int]:
    """(account, e-mail) → contact, for the rows that give an e-mail (the first contact wins)."""
    wanted = {(row.account_id, row.contact_email) for row in rows if row.contact_email}
    if not wanted:
        return {}
    found: dict[tuple[int, str], int] = {}
    for chunk in _chunks(sorted({account for account, _ in wanted}), reserved=0):
        contacts = (
            Contact.objects.filter(account_id__in=chunk)
            .exclude(email="")
            .order_by("pk")
            .values_list("account_id", "email", "pk")
        )
        for account_id, email, pk in contacts:
            key = (account_id, email.casefold())
            if key in wanted:
                found.setdefault(key, pk)
    return found


def existing_response(pk: int) -> Existing:
    """One stored response by id (a response recorded without an external id has no key)."""
    return Existing(*Response.objects.filter(pk=pk).values_list("pk", *COMPARED, *_ORIGIN).get())


def write_rows(
    rows: list[ValidRow],
    *,
    job_id: int | None,
    dry_run: bool,
    existing: dict[tuple[str, str], Existing] | None = None,
    contacts: dict[tuple[int, str], int | None] | None = None,
    rollups: BatchChanges | None = None,
) -> BatchOutcome:
    """Insert new rows, update changed ones, skip unchanged ones; move the rollups.

    Rows written record `job_id` and their row number (`import_row`); the skipped rows are
    the outcome's `unchanged`, since nothing stored says that this job met them. A caller that
    has already found the stored rows or the contacts passes them. With `rollups` the changes
    are added to it for the caller to flush; without, they are written and `accounts` of the
    outcome says whose rollups moved."""
    if existing is None:
        existing = find_existing(rows)
    if contacts is None:
        contacts = dict(contact_ids(rows))
    outcome = BatchOutcome()
    ops = connection.ops
    moment = moment_adapter()
    encoder = Response._meta.get_field("answers").encoder
    no_answers = ops.adapt_json_value({}, encoder)
    now = moment(timezone.now())
    teams = account_teams(row.account_id for row in rows)  # a new row takes its account's team
    # Statement parameters are made in this one pass (rows unpacked as tuples, moments as
    # text): attribute access and a second pass over the chunk cost more than the rest of
    # the loop.
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    removed: list[Existing] = []
    added: list[ValidRow] = []
    unchanged = outcome.unchanged
    for row in rows:
        (number, source, external_id, account, when, nps, csat, ces, answers, comment, channel,
         email) = row  # fmt: skip
        # contact_ids() has no key without an e-mail; a caller's may (a contact kept as it was).
        # (A new file's rows mostly find no contact and no stored row: no lookups then.)
        contact = contacts.get((account, email)) if contacts else None
        old = existing.get((source, external_id)) if existing else None
        if old is not None and old[1:10] == (  # the COMPARED fields
            account, channel, when, contact, nps, csat, ces, answers, comment
        ):  # fmt: skip
            unchanged.append(row)
            continue
        at = moment(when)
        json_answers = ops.adapt_json_value(answers, encoder) if answers else no_answers
        if old is None:
            inserts.append((account, channel, at, contact, nps, csat, ces, json_answers, comment,
                            source, external_id, job_id, number, now, now,
                            teams.get(account)))  # fmt: skip
        else:
            updates.append((account, channel, at, contact, nps, csat, ces, json_answers, comment,
                            job_id, number, now, old.pk))  # fmt: skip
            removed.append(old)
        added.append(row)
    outcome.inserted, outcome.updated, outcome.skipped = len(inserts), len(updates), len(unchanged)
    if not dry_run:
        _execute(inserts, updates)
        delta = BatchChanges() if rollups is None else rollups
        delta.add_rows(removed, -1)
        delta.add_rows(added, +1)
        if rollups is None:
            delta.flush()
            outcome.accounts = delta.accounts
    return outcome


def moment_adapter() -> Callable[[datetime], Any]:
    """Django's adapter for datetimes, or on SQLite its text made directly: the rows' moments
    are aware UTC and SQLite keeps naive UTC text, so ISO format without "+00:00" is the same
    text for a third of the cost (about a second a million rows)."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or connection.timezone is not UTC:
        return adapt

    def moment(at: datetime) -> Any:
        return at.isoformat(" ")[:-6] if at.tzinfo is UTC else adapt(at)

    return moment


def _execute(inserts: list[tuple[Any, ...]], updates: list[tuple[Any, ...]]) -> None:
    """Rows as write_rows made their parameters (_INSERTED and _UPDATED order, then the id)."""
    ops = connection.ops
    table = ops.quote_name(Response._meta.db_table)
    with connection.cursor() as cursor:
        if inserts:
            columns = ", ".join(ops.quote_name(c) for c in _INSERTED)
            marks = ", ".join(["%s"] * len(_INSERTED))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 (names are ours)
                inserts,
            )
        if updates:
            assignments = ", ".join(f"{ops.quote_name(c)} = %s" for c in _UPDATED)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608 (names are ours)
                updates,
            )


def record_problems(job_id: int, problems: list[RowProblem]) -> None:
    """The rows' problems; a NUL in a value or column name is shown as ␀ (PostgreSQL stores
    no NUL in text)."""
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(
                job_id=job_id,
                row_number=p.row_number,
                column=p.column[:120].replace("\x00", "\u2400"),
                value=p.value[:200].replace("\x00", "\u2400"),
                reason=p.reason[:300],
            )
            for p in problems
        ],
        batch_size=1000,
    )


def save_checkpoint(job: ImportJob) -> None:
    ImportJob.objects.filter(pk=job.pk).update(**{f: getattr(job, f) for f in CHECKPOINT_FIELDS})
