"""404, 400 and 500 pages inside the app's shell with its navigation; an unknown value of an
enumerated query parameter is a 400 naming the parameter (issue 11). The database-down 503 is
tested in test_database_down.py."""

from __future__ import annotations

from unittest import mock

from django.test import Client

SHELL = 'id="main-nav"'


def _signed_in(world) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.user)
    return client


def test_an_unknown_page_is_a_404_in_the_shell(world):
    response = _signed_in(world).get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert SHELL in body
    assert "Page not found" in body
    assert "no-such-page" not in body.split("<main")[1]  # the resolver's list is not shown


def test_another_teams_account_is_a_404_that_says_no_more_than_a_missing_one(world):
    client = _signed_in(world)
    theirs = client.get(f"/accounts/{world.other_account.pk}/")
    missing = client.get("/accounts/999999/")
    assert theirs.status_code == missing.status_code == 404
    main = [r.content.decode().split("<main")[1] for r in (theirs, missing)]
    assert main[0] == main[1]
    assert SHELL in theirs.content.decode()


def test_an_unknown_metric_is_a_400_naming_the_parameter(world):
    response = _signed_in(world).get(f"/accounts/{world.account.pk}/", {"metric": "bogus"})
    body = response.content.decode()
    assert response.status_code == 400
    assert SHELL in body
    assert "Unknown metric “bogus”: metric is one of ces, csat, nps." in body


def test_an_unknown_period_or_portfolio_sort_is_a_400_naming_it(world):
    client = _signed_in(world)
    period = client.get(f"/accounts/{world.account.pk}/", {"period": "decade"})
    sort = client.get("/", {"sort": "colour"})
    tier = client.get("/", {"tier": "gold"})
    assert [period.status_code, sort.status_code, tier.status_code] == [400, 400, 400]
    assert "Unknown period “decade”" in period.content.decode()
    assert "Unknown sort “colour”" in sort.content.decode()
    assert "Unknown tier “gold”" in tier.content.decode()


def test_a_bug_is_a_500_in_the_shell(world):
    client = _signed_in(world)
    with mock.patch("rapport.feedback.views.selectors.imports_for", side_effect=ValueError("x")):
        response = client.get("/feedback/imports/")
    body = response.content.decode()
    assert response.status_code == 500
    assert SHELL in body
    assert "Something went wrong on our side" in body


def test_a_bug_under_the_api_is_a_500_in_json(world, api_token):
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {api_token}"})
    with mock.patch("rapport.feedback.api.selectors.imports_for", side_effect=ValueError("x")):
        response = client.get("/api/v1/imports")
    assert response.status_code == 500
