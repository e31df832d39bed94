"""Global search: what each kind finds, that only the actor's teams are searched, ranking,
hostile input and escaping. Runs on SQLite (FTS5) and on PostgreSQL (GIN) alike."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from rapport.core.models import Role
from rapport.customers.models import Contact
from rapport.workspace.search import KINDS_BY_KEY, Terms, _ranked, search
from tests.enrichment.helpers import enrich, respond
from tests.factories import (
    AccountFactory,
    CommunicationFactory,
    ContactFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"',
    '"unbalanced',
    "acme*",
    "*",
    "NEAR(acme foods)",
    "acme OR borealis",
    "acme AND NOT",
    "((acme",
    "acme)",
    "-acme",
    "a:b",
    "col:acme",
    "^acme",
    "acme & | ! <->",
    "'; DROP TABLE customers_account; --",
    "\\",
    "{acme}",
    "NEAR",
    "ñandú café",
    "_",
    "a" * 500,
]


def _found(user, text, kind):
    _, results = search(user, text, only=kind, per_page=50)
    return [hit.title for hit in results[0].page]


def _counts(user, text):
    return {r.kind.key: r.count for r in search(user, text)[1]}


def test_each_kind_is_found_by_its_words(world):
    ContactFactory(account=world.account, name="Priya Raman", email="p.raman@acme.example")
    CommunicationFactory(account=world.account, summary="Escalation call about the invoice backlog")
    respond(world.account, "The warehouse portal keeps timing out every Monday.")
    enrich()

    assert [str(t) for t in _found(world.user, "acme foo", "accounts")] == [
        "<mark>Acme</mark> <mark>Foods</mark>"  # whole words marked
    ]
    assert len(_found(world.user, "priya", "contacts")) == 1
    assert len(_found(world.user, "raman@acme.example", "contacts")) == 1  # by e-mail
    assert len(_found(world.user, "invoice backlog", "communications")) == 1
    assert len(_found(world.user, "warehouse portal", "comments")) == 1
    assert _counts(world.user, "nothingmatchesthis") == dict.fromkeys(
        ("accounts", "contacts", "communications", "comments"), 0
    )


def test_another_teams_data_is_never_found(world):
    ContactFactory(
        account=world.other_account, name="Oskar Lindqvist", email="oskar@borealis.example"
    )
    CommunicationFactory(account=world.other_account, summary="Borealis renewal pricing")
    respond(world.other_account, "Borealis portal outage again")
    enrich()

    assert _counts(world.user, "borealis") == dict.fromkeys(
        ("accounts", "contacts", "communications", "comments"), 0
    )
    assert _counts(world.user, "oskar") == dict.fromkeys(
        ("accounts", "contacts", "communications", "comments"), 0
    )
    # The same words find them for the team that owns them, and for an administrator.
    for who in (world.other_user, world.admin):
        assert _counts(who, "borealis") == {
            "accounts": 1,
            "contacts": 1,
            "communications": 1,
            "comments": 1,
        }


def test_a_member_of_two_teams_finds_both(world):
    both = UserFactory(username="carol")
    MembershipFactory(user=both, team=world.team, role=Role.AGENT)
    MembershipFactory(user=both, team=world.other_team, role=Role.ANALYST)
    AccountFactory(team=world.other_team, name="Acme Borealis Joint")
    assert len(_found(both, "acme", "accounts")) == 2
    assert len(_found(world.user, "acme", "accounts")) == 1


def test_comments_are_searched_in_their_redacted_text(world):
    respond(world.account, "Please call me on jane.doe@mail.example about the late delivery")
    enrich()
    assert len(_found(world.user, "late delivery", "comments")) == 1
    assert _found(world.user, "jane", "comments") == []


def test_the_index_follows_edits_and_deletes(world):
    contact = ContactFactory(account=world.account, name="Marta Kowalski")
    assert len(_found(world.user, "kowalski", "contacts")) == 1
    Contact.objects.filter(pk=contact.pk).update(name="Marta Nowak")
    assert _found(world.user, "kowalski", "contacts") == []
    assert len(_found(world.user, "nowak", "contacts")) == 1
    Contact.objects.filter(pk=contact.pk).delete()
    assert _found(world.user, "nowak", "contacts") == []


def test_the_closer_match_ranks_first(world):
    CommunicationFactory(
        account=world.account,
        summary="Weekly call: staffing, rota, the new canteen, parking and an outage mention",
    )
    CommunicationFactory(account=world.account, summary="Outage: outage review after the outage")
    _, results = search(world.user, "outage", only="communications", per_page=10)
    snippets = [str(hit.snippet) for hit in results[0].page]
    assert len(snippets) == 2
    assert snippets[0].startswith("<mark>Outage</mark>: <mark>outage</mark>")


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_fail(world, user_client, text):
    page = user_client.get(reverse("customers:search"), {"q": text})
    assert page.status_code == 200
    for kind in ("accounts", "contacts", "communications", "comments"):
        search(world.user, text, only=kind)


def test_operators_are_words(world):
    # "OR" is not an operator: "acme OR borealis" needs all three words, so finds nothing,
    # where an OR would have found both accounts.
    assert _found(world.admin, "acme OR borealis", "accounts") == []
    assert len(_found(world.admin, 'NEAR("acme"', "accounts")) == 0
    assert len(_found(world.admin, '"acme"', "accounts")) == 1


def test_matches_are_highlighted_and_escaped(world, user_client):
    AccountFactory(team=world.team, name="<script>alert(1)</script> Zephyr & Co")
    page = user_client.get(reverse("customers:search"), {"q": "zephyr"}).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Zephyr</mark> &amp; Co" in page


def test_results_page_groups_counts_and_pages(world, user_client):
    for i in range(23):
        ContactFactory(account=world.account, name=f"Quinn Example{i:02d}")
    grouped = user_client.get(reverse("customers:search"), {"q": "quinn"}).content.decode()
    assert "Contacts: 23" in grouped
    assert grouped.count('class="search-hits"') == 1  # only the kind with hits lists them
    assert "All 23 contacts" in grouped
    second = user_client.get(
        reverse("customers:search"), {"q": "quinn", "kind": "contacts", "page": "2"}
    ).content.decode()
    assert "Page 2 of 2" in second
    assert second.count("<mark>Quinn</mark>") == 3  # the 21st to 23rd hits


def test_each_hit_links_to_its_account(world, user_client):
    ContactFactory(account=world.account, name="Ingrid Solberg")
    page = user_client.get(reverse("customers:search"), {"q": "ingrid"}).content.decode()
    assert f'href="{reverse("customers:account", args=[world.account.pk])}#people"' in page


def test_the_indexes_exist_for_this_database():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'search_%'"
            )
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_%_gin'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"search_account", "search_contact", "search_communication", "search_comment"} <= {
        n.removesuffix("_gin") for n in names
    }


@pytest.mark.parametrize("kind", ["accounts", "contacts", "communications", "comments"])
def test_the_search_reads_its_index(world, kind):
    """The plan answers from the FTS5 table (SQLite) or the GIN index (PostgreSQL), not by
    reading every row's text."""
    found = KINDS_BY_KEY[kind]
    # An administrator: for one team of a few rows the planner rightly starts from the team.
    sql, params = _ranked(found, world.admin, Terms.parse("acme")).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert f"{found.index.fts_table} VIRTUAL TABLE INDEX" in plan
        else:
            cursor.execute("SET enable_seqscan = off")  # the tables are tiny here
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            assert f"Bitmap Index Scan on {found.index.fts_table}_gin" in plan
