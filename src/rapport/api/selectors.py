from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from rapport.api.models import ApiToken
from rapport.core.access import Actor


def active_tokens(user: Actor) -> QuerySet[ApiToken]:
    """A user's own tokens only: nobody else's, not even an administrator's view."""
    return ApiToken.objects.filter(user_id=user.pk or 0, revoked_at__isnull=True)


def get_active_token(user: Actor, token_id: int) -> ApiToken:
    token = active_tokens(user).filter(pk=token_id).first()
    if token is None:
        raise Http404("No such token.")
    return token
