"""Which account each row names: one dictionary per job, built from the job's teams only.

A key outside those teams is "unknown", exactly like a key that names nothing, so an import
never reveals another team's accounts. Missing accounts may be created in the mapping's
default team; until the batch that needs one is written it has a provisional id below zero.
"""

from __future__ import annotations

from rapport.core.access import Actor
from rapport.core.models import Team
from rapport.customers.models import Account
from rapport.customers.services import create_account

AMBIGUOUS = 0
_MATCH_FIELD = {"external_id": "external_id", "name": "name", "id": "pk"}
_MATCH_LABEL = {"external_id": "external id", "name": "name", "id": "id"}
_MAX_LENGTH = {"external_id": 100, "name": 200}


class AccountDirectory:
    def __init__(
        self,
        *,
        match: str,
        team_ids: list[int] | None,
        create_in: Team | None = None,
        actor: Actor | None = None,
        only: list[int] | None = None,
    ) -> None:
        """team_ids None means every team (an administrator's import); `only` limits the
        directory to these account ids (an API call names its accounts by id)."""
        self.match = match
        self.create_in = create_in
        self.actor = actor
        self.ids: dict[str, int] = {}
        self.pending: dict[int, str] = {}  # provisional id → the key as the file wrote it
        # Counted, not len(pending): that shrinks as accounts are created, and a reused id
        # would merge a key still pending with a new one.
        self._provisional = 0
        accounts = Account.objects.all()
        if team_ids is not None:
            accounts = accounts.filter(team_id__in=team_ids)
        if only is not None:
            accounts = accounts.filter(pk__in=only)
        for pk, key in accounts.values_list("pk", _MATCH_FIELD[match]).iterator(chunk_size=5000):
            folded = str(key).strip().casefold()
            if folded:
                self.ids[folded] = pk if self.ids.get(folded, pk) == pk else AMBIGUOUS

    def resolve(self, key: str) -> int | str:
        """The id for a key the fast dictionary lookup missed, or why there is none."""
        folded = key.casefold()
        found = self.ids.get(folded)
        label = _MATCH_LABEL[self.match]
        if found == AMBIGUOUS:
            return f"{key!r} is the {label} of more than one account; match on external_id"
        if found is not None:
            return found
        unknown = f"no account with {label} {key!r}"
        if self.create_in is None or self.match == "id":
            return unknown
        if len(key) > _MAX_LENGTH[self.match]:
            return f"account {label} is longer than {_MAX_LENGTH[self.match]} characters"
        if self.match == "external_id" and self._exists_elsewhere(key):
            return unknown  # external ids are unique: it belongs to a team this import can't see
        self._provisional -= 1
        provisional = self._provisional
        self.pending[provisional] = key
        self.ids[folded] = provisional
        return provisional

    def _exists_elsewhere(self, key: str) -> bool:
        return Account.objects.filter(external_id__iexact=key).exists()

    def create_pending(self, provisional_ids: set[int]) -> dict[int, int]:
        """Create the accounts these provisional ids stand for (inside the batch's transaction)."""
        assert self.create_in is not None
        assert self.actor is not None
        created = {}
        for provisional in sorted(provisional_ids, reverse=True):
            key = self.pending.pop(provisional)
            fields: dict[str, object] = {"name": key, "team_id": self.create_in.pk}
            if self.match == "external_id":
                fields["external_id"] = key
            account = create_account(actor=self.actor, fields=fields, via="import")
            created[provisional] = account.pk
            self.ids[key.casefold()] = account.pk
        return created
