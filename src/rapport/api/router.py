"""The /api/v1/ root: mounts each app's router; token or session authentication."""

from ninja import NinjaAPI

from rapport.api.auth import SessionAuth, TokenAuth

api = NinjaAPI(
    title="Rapport API",
    version="1",
    description="Key accounts, their people, feedback, imports and metrics.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)
