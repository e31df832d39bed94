from django.urls import path

from rapport.analytics import views
from rapport.analytics.health import views as health_views
from rapport.analytics.swot import views as swot_views

app_name = "analytics"

urlpatterns = [
    path("accounts/<int:account_id>/analytics/", views.account_page, name="account"),
    path(
        "accounts/<int:account_id>/analytics/baseline/",
        views.set_baseline,
        name="set-baseline",
    ),
    path("accounts/<int:account_id>/health/", health_views.account_health, name="health"),
    path("accounts/<int:account_id>/swot/", swot_views.account_swot_page, name="swot"),
    path("portfolio/health/", health_views.portfolio_health, name="portfolio-health"),
    path(
        "portfolio/health/export.<str:fmt>",
        health_views.portfolio_health_export,
        name="portfolio-health-export",
    ),
    path("portfolio/swot/", swot_views.portfolio_swot_page, name="portfolio-swot"),
    path("portfolio/types/", health_views.customer_types, name="customer-types"),
    path("portfolio/types/proposals/", health_views.proposal_create, name="proposal-create"),
    path(
        "portfolio/types/proposals/<int:pk>/status/",
        health_views.proposal_status,
        name="proposal-status",
    ),
    path(
        "portfolio/types/proposals/<int:pk>/delete/",
        health_views.proposal_delete,
        name="proposal-delete",
    ),
    path("teams/<int:team_id>/health-weights/", health_views.health_weights, name="health-weights"),
]
