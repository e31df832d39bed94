"""What other apps may use from customers."""

from __future__ import annotations

from rapport.customers.models import Account, Contact


def account_ids_all() -> list[int]:
    return list(Account.objects.order_by("pk").values_list("pk", flat=True))


def contact_names_by_account(account_ids: list[int]) -> dict[int, list[str]]:
    """The names of each account's known contacts (for redaction of derived text)."""
    names: dict[int, list[str]] = {a: [] for a in account_ids}
    rows = Contact.objects.filter(account_id__in=account_ids).values_list("account_id", "name")
    for account_id, name in rows:
        if name:
            names[account_id].append(name)
    return names
