"""Issue, check and revoke personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from rapport.api.models import ApiToken
from rapport.core.access import Actor
from rapport.core.models import AuditAction, User
from rapport.core.services import record_audit

TOKEN_PREFIX = "rpt_"  # noqa: S105 (a public prefix, not a secret)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_token(
    *, actor: Actor, user: User, name: str, valid_for: timedelta | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its clear text, which is never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at: datetime | None = timezone.now() + valid_for if valid_for else None
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:10], digest=_digest(raw), expires_at=expires_at
    )
    record_audit(actor=actor, action=AuditAction.CREATE, instance=token, changed_fields=["name"])
    return token, raw


def user_for_token(raw: str) -> User | None:
    """The active user a valid token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= now):
        return None
    # Touch at most once a minute so reads do not turn into a write per request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def revoke_token(*, actor: Actor, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_audit(
        actor=actor, action=AuditAction.UPDATE, instance=token, changed_fields=["revoked_at"]
    )
