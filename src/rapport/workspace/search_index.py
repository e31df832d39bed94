"""The full-text indexes behind global search, one per kind of thing found.

SQLite: an FTS5 table per kind over its source table (external content, so the text is not
stored twice), kept in step by triggers on that table. PostgreSQL: a GIN index on the same
`to_tsvector` expression the search query uses, so there is nothing to keep in step.
Comments are indexed from their redacted text (`enrichment.CommentAnalysis.redacted`), the
text every page that shows a comment's analysis shows (decision 21), so search never finds a
comment by an e-mail address, phone number or name that redaction removed; nothing is added
to the feedback table, so imports are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db.models import F, Func, TextField

# The 'simple' configuration: no stemming or stop words, as names and e-mail addresses are
# most of what is searched, and the demo's comments are in several languages.
CONFIG = "simple"


class Words(Func):
    """A column's text with every run of non-word characters made a space: PostgreSQL's
    parser keeps an e-mail address or a host name as one token, SQLite's tokenizer splits it,
    and search should find "raman@acme.example" by "acme" on both."""

    function = "REGEXP_REPLACE"
    template = "%(function)s(%(expressions)s, '[\\W_]+', ' ', 'g')"
    output_field = TextField()


@dataclass(frozen=True)
class IndexedTable:
    """A table whose text columns are indexed for search."""

    fts_table: str  # the SQLite FTS5 table
    app_label: str
    model_name: str
    source_table: str
    columns: tuple[str, ...]

    def vector(self) -> SearchVector:
        return SearchVector(*(Words(F(c)) for c in self.columns), config=CONFIG)

    def gin_index(self) -> GinIndex:
        return GinIndex(self.vector(), name=f"{self.fts_table}_gin")


ACCOUNTS = IndexedTable(
    "search_account",
    "customers",
    "Account",
    "customers_account",
    ("name", "external_id", "segment"),
)
CONTACTS = IndexedTable(
    "search_contact", "customers", "Contact", "customers_contact", ("name", "email")
)
COMMUNICATIONS = IndexedTable(
    "search_communication",
    "customers",
    "Communication",
    "customers_communication",
    ("summary", "follow_up"),
)
COMMENTS = IndexedTable(
    "search_comment", "enrichment", "CommentAnalysis", "enrichment_commentanalysis", ("redacted",)
)
TABLES = (ACCOUNTS, CONTACTS, COMMUNICATIONS, COMMENTS)


def _sqlite_create(table: IndexedTable) -> list[str]:
    """DDL built from the fixed names above, never from input."""
    fts, source, cols = table.fts_table, table.source_table, ", ".join(table.columns)
    new = ", ".join(f"new.{c}" for c in table.columns)
    old = ", ".join(f"old.{c}" for c in table.columns)
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"  # noqa: S608 - fixed names
    return [
        # unicode61 folds case and accents; '@' and '.' separate tokens, so the parts of an
        # e-mail address are found.
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{source}', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {source} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {source} BEGIN {delete} END",
        # Only when an indexed column is written: label and theme updates leave the index alone.
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {source} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES('rebuild')",
    ]


def create_indexes(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            for statement in _sqlite_create(table):
                schema_editor.execute(statement)
        elif vendor == "postgresql":
            schema_editor.add_index(
                apps.get_model(table.app_label, table.model_name), table.gin_index()
            )


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            for suffix in ("_ai", "_ad", "_au"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table.fts_table}{suffix}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {table.fts_table}")
        elif vendor == "postgresql":
            schema_editor.remove_index(
                apps.get_model(table.app_label, table.model_name), table.gin_index()
            )
