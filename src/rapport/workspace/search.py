"""Global search over accounts, contacts, communications and comments, limited to what the
actor may see.

A query is reduced to its words (letters and digits only), each matched as a prefix, all
required: quotes, `*`, `NEAR`, `OR` or parentheses are words or separators, never operators,
so no input can make the database raise. SQLite answers from the FTS5 tables of
`search_index`, ranked by bm25; PostgreSQL from `to_tsvector` expressions with GIN indexes,
ranked by `ts_rank`. Highlighting is done here, on escaped text, the same for both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, Model, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from rapport.core.access import Actor
from rapport.customers.models import Communication, Contact
from rapport.customers.selectors import accounts_for, related_for
from rapport.enrichment.public import visible_analyses
from rapport.workspace import search_index
from rapport.workspace.search_index import CONFIG, IndexedTable

WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8
SNIPPET_CHARS = 160


@dataclass(frozen=True)
class Terms:
    """The words of a query; empty when it has none."""

    text: str
    words: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Terms:
        text = text.strip()[:200]
        return cls(text, tuple(w.lower() for w in WORD.findall(text))[:MAX_WORDS])

    def fts5(self) -> str:
        # Each word a quoted prefix token: inside quotes FTS5 reads no operator.
        return " ".join(f'"{w}"*' for w in self.words)

    def tsquery(self) -> SearchQuery:
        # Letters and digits only, so no word can be read as a tsquery operator.
        return SearchQuery(
            " & ".join(f"{w}:*" for w in self.words), search_type="raw", config=CONFIG
        )


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    snippet: SafeString
    where: str  # the account it belongs to, and when


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    index: IndexedTable
    visible: Callable[[Actor], QuerySet[Any]]
    hit: Callable[[Any, Terms], Hit]


@dataclass(frozen=True)
class KindResults:
    kind: Kind
    count: int
    page: Page[Hit]


def _account_url(account_id: int, anchor: str = "", **query: str) -> str:
    url = reverse("customers:account", args=[account_id])
    return url + (f"?{urlencode(query)}" if query else "") + (f"#{anchor}" if anchor else "")


def _account_hit(account: Any, terms: Terms) -> Hit:
    detail = " · ".join(x for x in (account.external_id, account.segment) if x)
    return Hit(
        highlight(account.name, terms),
        _account_url(account.pk),
        highlight(detail, terms) if detail else SafeString(""),
        account.team.name,
    )


def _contact_hit(contact: Contact, terms: Terms) -> Hit:
    return Hit(
        highlight(contact.name, terms),
        _account_url(contact.account_id, "people"),
        highlight(" · ".join(x for x in (contact.job_title, contact.email) if x), terms),
        contact.account.name,
    )


def _communication_hit(item: Communication, terms: Terms) -> Hit:
    when = timezone.localdate(item.occurred_at)
    return Hit(
        item.get_channel_display() + f" on {when:%-d %b %Y}",
        _account_url(item.account_id, "communications"),
        highlight(f"{item.summary} {item.follow_up}".strip(), terms),
        item.account.name,
    )


def _comment_hit(analysis: Any, terms: Terms) -> Hit:
    response = analysis.response
    day = timezone.localdate(response.submitted_at)
    return Hit(
        f"{response.get_channel_display()} feedback of {day:%-d %b %Y}",
        _account_url(response.account_id, "feedback", **{"from": str(day), "to": str(day)}),
        highlight(analysis.redacted, terms),
        response.account.name,
    )


KINDS = (
    Kind(
        "accounts",
        "Accounts",
        search_index.ACCOUNTS,
        lambda user: accounts_for(user).select_related("team"),
        _account_hit,
    ),
    Kind(
        "contacts",
        "Contacts",
        search_index.CONTACTS,
        lambda user: related_for(user, Contact),
        _contact_hit,
    ),
    Kind(
        "communications",
        "Communications",
        search_index.COMMUNICATIONS,
        lambda user: related_for(user, Communication),
        _communication_hit,
    ),
    Kind(
        "comments",
        "Comments",
        search_index.COMMENTS,
        lambda user: visible_analyses(user).select_related("response__account"),
        _comment_hit,
    ),
)
KINDS_BY_KEY = {k.key: k for k in KINDS}


def _ranked(kind: Kind, user: Actor, terms: Terms) -> QuerySet[Any]:
    """The visible rows of a kind that match, best first."""
    visible = kind.visible(user)
    if connection.vendor == "postgresql":
        query = terms.tsquery()
        return (
            visible.annotate(document=kind.index.vector())
            .filter(document=query)
            .annotate(rank=SearchRank(F("document"), query))
            .order_by("-rank", "-pk")
        )
    table = kind.index.fts_table
    model: type[Model] = visible.model
    # bm25 is smaller for a better match; the FTS5 table is joined by rowid = the row's id.
    # Only fixed table names go into the SQL; the query is a parameter.
    return visible.extra(  # noqa: S610
        tables=[table],
        where=[f"{table}.rowid = {model._meta.db_table}.id", f"{table} MATCH %s"],
        params=[terms.fts5()],
        select={"rank": f"bm25({table})"},
        order_by=["rank", "-id"],
    )


def search(
    user: Actor,
    text: str,
    *,
    only: str | None = None,
    page: str | int | None = 1,
    per_page: int = 5,
) -> tuple[Terms, list[KindResults]]:
    """Every kind's matches (or one kind's, `only`) with their count and one page of hits."""
    terms = Terms.parse(text)
    kinds = [KINDS_BY_KEY[only]] if only in KINDS_BY_KEY else list(KINDS)
    results = []
    for kind in kinds:
        rows = _ranked(kind, user, terms) if terms.words else kind.visible(user).none()
        found = Paginator(rows, per_page).get_page(page)
        found.object_list = [kind.hit(row, terms) for row in found.object_list]
        results.append(KindResults(kind, found.paginator.count, found))
    return terms, results


def highlight(text: str, terms: Terms, *, limit: int = SNIPPET_CHARS) -> SafeString:
    """`text` escaped, cut to about `limit` characters around the first match, with the words
    that start with a query word marked."""
    if not terms.words:
        return SafeString(escape(text[:limit]))
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in terms.words) + r")\w*", re.I)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - limit // 3)
    end = min(len(text), start + limit)
    excerpt = text[start:end]
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(excerpt):
        parts.append(escape(excerpt[last : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    parts.append(escape(excerpt[last:]))
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + "".join(parts) + suffix)  # noqa: S308 - every part is escaped
