"""The webhook events endpoints may subscribe to. Each app registers the events it sends from
its AppConfig.ready() (`register_event("alert.opened", "An alert was opened")`), so the
endpoint form lists them; `notify(event=…)` logs a warning for a name nobody registered (a typo
would otherwise reach no endpoint, silently)."""

from __future__ import annotations

from rapport.core.registries import Registry

# name → description, in registration order within each app's `order`.
WEBHOOK_EVENTS: Registry[str] = Registry()

TEST_EVENT = "webhook.test"


def register_event(name: str, description: str, *, order: int = 50) -> None:
    WEBHOOK_EVENTS.register(name, description, order=order)


def event_names() -> list[str]:
    return [name for name, _description in event_choices()]


def event_choices() -> list[tuple[str, str]]:
    entries = WEBHOOK_EVENTS._entries
    ordered = sorted(entries.items(), key=lambda item: (item[1][0], item[0]))
    return [(name, description) for name, (_order, description) in ordered]


def is_registered(name: str) -> bool:
    return name in WEBHOOK_EVENTS._entries
