"""Reads of the notifications app, scoped to the actor: their own inbox; the webhook endpoints
of the teams they manage."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When

from rapport.core.access import Actor, Capability, scope_of
from rapport.notifications.models import Notification, WebhookDelivery, WebhookEndpoint


def inbox(*, user: Actor, kind: str = "", unread: bool = False) -> QuerySet[Notification]:
    """The user's notifications, unread first, newest first within each."""
    rows = Notification.objects.filter(recipient_id=user.pk)
    if kind:
        rows = rows.filter(kind=kind)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return rows.annotate(
        is_read=Case(
            When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("is_read", "-created_at", "-id")


def unread_count(*, user: Actor) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def inbox_kinds(*, user: Actor) -> list[str]:
    """The kinds of notification the user has had (the filter's choices)."""
    return list(
        Notification.objects.filter(recipient_id=user.pk)
        .order_by("kind")
        .values_list("kind", flat=True)
        .distinct()
    )


def get_notification(*, user: Actor, notification_id: int) -> Notification:
    """One of the user's own notifications (another's: DoesNotExist, a 404)."""
    return Notification.objects.get(pk=notification_id, recipient_id=user.pk)


def managed_team_ids(user: Actor) -> frozenset[int] | None:
    """Teams whose webhooks the user manages; None means every team (administrators)."""
    actor_scope = scope_of(user)
    if actor_scope.all_teams:
        return None
    return frozenset(
        team_id
        for team_id in actor_scope.team_ids
        if actor_scope.can(Capability.MANAGE_WEBHOOKS, team_id)
    )


def endpoints(*, user: Actor) -> QuerySet[WebhookEndpoint]:
    rows = WebhookEndpoint.objects.select_related("team")
    teams = managed_team_ids(user)
    if teams is not None:
        rows = rows.filter(team_id__in=teams)
    return rows.order_by("team__name", "url", "id")


def get_endpoint(*, user: Actor, endpoint_id: int) -> WebhookEndpoint:
    return endpoints(user=user).get(pk=endpoint_id)


def deliveries(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")


def endpoints_with_counts(*, user: Actor) -> QuerySet[WebhookEndpoint]:
    """The endpoints with their deliveries counted by outcome and the last one's time (one
    grouped query)."""
    return endpoints(user=user).annotate(
        sent=Count("deliveries", filter=Q(deliveries__status="sent")),
        waiting=Count("deliveries", filter=Q(deliveries__status="queued")),
        failed=Count("deliveries", filter=Q(deliveries__status="failed")),
        last_delivery_at=Max("deliveries__created_at"),
    )
