"""The /api/v1/ root: mounts each app's router; token or session authentication."""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI, Swagger

from rapport.actions.api import router as actions_router
from rapport.agreements.api import router as agreements_router
from rapport.alerts.api import router as alerts_router
from rapport.analytics.api import router as metrics_router
from rapport.api.auth import SessionAuth, TokenAuth
from rapport.customers.api import router as customers_router
from rapport.enrichment.api import router as themes_router
from rapport.feedback.api import router as feedback_router
from rapport.monitoring.api import router as monitoring_router
from rapport.notifications.api import router as notifications_router
from rapport.reports.api import router as reports_router


class RapportSwagger(Swagger):
    """ninja's Swagger UI with a way back to Rapport (api/docs.html)."""

    template = "api/docs.html"


api = NinjaAPI(
    title="Rapport API",
    version="1",
    description=(
        "Key accounts, their people, feedback, imports and metrics. Authenticate with a personal "
        "token (`Authorization: Bearer rpt_…`, created under your name → API tokens)."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    # Deep links put a link inside each operation's toggle button (axe: nested-interactive).
    docs=RapportSwagger(settings={"deepLinking": False}),
    docs_decorator=login_required,  # the schema and docs are for signed-in users too
)
api.add_router("", customers_router)
api.add_router("", metrics_router)
api.add_router("", feedback_router)
api.add_router("", themes_router)
api.add_router("", notifications_router)
api.add_router("", monitoring_router)
api.add_router("", actions_router)
api.add_router("", agreements_router)
api.add_router("", reports_router)
# --- alerts ---
api.add_router("", alerts_router)
