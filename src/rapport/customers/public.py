"""What other apps may use from customers."""

from __future__ import annotations

from rapport.customers.models import Account


def account_ids_all() -> list[int]:
    return list(Account.objects.order_by("pk").values_list("pk", flat=True))
