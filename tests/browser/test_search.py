"""Global search from the top bar: a contact found by name opens their account."""

from __future__ import annotations

import pytest

from rapport.core.models import Role
from tests.factories import (
    AccountFactory,
    ContactFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def manager(transactional_db):
    team = TeamFactory(name="North")
    user = UserFactory(username="maria", first_name="Maria", last_name="Okafor")
    MembershipFactory(user=user, team=team, role=Role.ACCOUNT_MANAGER)
    account = AccountFactory(team=team, name="Acme Foods", external_id="ACME")
    ContactFactory(account=account, name="Dana Whitlock", email="dana.whitlock@acme.example")
    ContactFactory(account=account, name="Danielle Moreau", email="d.moreau@acme.example")
    other = AccountFactory(team=TeamFactory(name="South"), name="Borealis Bank")
    ContactFactory(account=other, name="Dana Whitfield", email="dana@borealis.example")
    return user


@pytest.mark.parametrize("width", [1440, 390])
def test_search_finds_a_contact_by_name_and_opens_their_account(
    manager, page, live_server, sign_in, shot, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in("maria")
    box = page.locator("#top-search")
    assert box.is_visible()  # on phones too, beside the Menu button
    box.fill("dana whit")
    box.press("Enter")
    page.wait_for_url("**/search/?q=dana+whit")
    contacts = page.locator("#kind-contacts").locator("xpath=..")
    assert "1 found" in contacts.locator("h2").inner_text()
    # Dana Whitfield belongs to another team: never found.
    assert "Whitfield" not in page.locator("main").inner_text()
    assert contacts.locator("mark").all_inner_texts() == ["Dana", "Whitlock", "dana", "whitlock"]
    shot(f"results-{width}")
    contacts.get_by_role("link", name="Dana Whitlock").click()
    page.wait_for_url("**/accounts/*/#people")
    assert page.locator("h1").inner_text().startswith("Acme Foods")
    assert page.locator("#people").is_visible()
    shot(f"account-{width}")
