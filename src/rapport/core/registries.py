"""Registries that apps above core fill at start-up, so that core and the pages can set off or
show their work without importing them (docs/architecture.md, decision 51).

- `PERIODIC`: the work `rapport worker` runs every minute, in `order` (lower first: a job that
  reads what another writes registers a higher number).
- `DUE_WORK`: runners of due work (`core.claims`, decision 76) that must not wait for the
  minute: the worker runs them every `RAPPORT_DUE_WORK_SECONDS` (2 s), each a cheap indexed
  query when nothing is due (notification deliveries, decision 91).
- `ACCOUNT_TABS`: the tabs of the account page, each served by its own app
  (`{% account_tabs account current %}` in the `rapport` template library).
- `NAV_ITEMS`: links the apps above analytics add to the main navigation, after the built-in
  ones (`{% registered_nav %}`), with an optional count shown beside the label (unread, open).
- `LINE_ACTIONS`: links an app above offers next to a line a lower app shows (a SWOT line, a
  theme that moved: "Open an action"), prefilled from the line (`{% line_actions %}`).

Each app registers from its `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.http import HttpRequest

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries in an order; registering a name again replaces it (ready() may run again
    in tests)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, T]] = {}

    def register(self, name: str, entry: T, *, order: int) -> T:
        self._entries[name] = (order, entry)
        return entry

    def in_order(self) -> list[T]:
        ordered = sorted(self._entries.items(), key=lambda item: (item[1][0], item[0]))
        return [entry for _name, (_order, entry) in ordered]


@dataclass(frozen=True)
class AccountTab:
    key: str  # the page marks the tab whose key it is showing
    label: str
    url_name: str  # reversed with the account's id


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    current_prefix: str  # the item is marked current on every path that starts with it
    count: Callable[[HttpRequest], int] | None = None  # e.g. unread notifications; 0 hides it


@dataclass(frozen=True)
class LineAction:
    """A link beside a line of a lower app's page. The link gets the line's facts as query
    parameters (source_kind, source_ref, source_url, account, team, title, metric)."""

    label: str
    url_name: str
    kinds: frozenset[str]  # the lines it is offered for, e.g. {"swot", "theme"}
    # Shown only when this says the user may use it for the team (read-only roles see none).
    allowed: Callable[[HttpRequest, int | None], bool]  # team None: any of the user's


PERIODIC: Registry[Callable[[], object]] = Registry()
DUE_WORK: Registry[Callable[[], object]] = Registry()
ACCOUNT_TABS: Registry[AccountTab] = Registry()
NAV_ITEMS: Registry[NavItem] = Registry()
LINE_ACTIONS: Registry[LineAction] = Registry()
