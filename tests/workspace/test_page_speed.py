"""Pages stay fast as the data grow: bounded queries, and cached computations that follow
their data (tests of the caches themselves sit with each cached function)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.analytics.drivers import key_drivers as kd
from rapport.analytics.swot.portfolio import portfolio_swot
from tests.analytics.swot_builders import driven_by_csat
from tests.factories import (
    CommitmentFactory,
    CommunicationFactory,
    ContactFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    client.get(url)  # warm: sessions, caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _more_records(account, count: int) -> None:
    for _ in range(count):
        contact = ContactFactory(account=account)
        CommitmentFactory(account=account)
        CommunicationFactory(account=account).contacts.add(contact)
        ResponseFactory(account=account, respondent_contact=contact)


@pytest.mark.parametrize(
    "url_name",
    ["customers:account", "analytics:account", "analytics:health", "analytics:swot"],
)
def test_account_pages_queries_do_not_grow_with_the_accounts_records(
    user_client, world, url_name, django_assert_max_num_queries
):
    _more_records(world.account, 2)
    url = reverse(url_name, args=[world.account.pk])
    few = _queries(user_client, url)
    _more_records(world.account, 15)
    assert _queries(user_client, url) == few
    # The page and its tabs, plus the navigation's counts (one indexed COUNT per app).
    with django_assert_max_num_queries(27):
        user_client.get(url)


def test_portfolio_swot_drivers_follow_new_responses(world):
    driven_by_csat(world.account, n=60)
    first = portfolio_swot(world.user)
    assert portfolio_swot(world.user) == first  # the second from the cached analysis
    hits = kd._analysis.cache_info().hits
    driven_by_csat(world.account, n=40, satisfied=False, seed=2)
    after = portfolio_swot(world.user)
    assert kd._analysis.cache_info().hits == hits  # new responses: analysed again
    drivers_before = [line.n for line in first.lines if line.source == "driver"]
    drivers_after = [line.n for line in after.lines if line.source == "driver"]
    assert drivers_before != drivers_after
