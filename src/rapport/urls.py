from django.contrib import admin
from django.urls import include, path

from rapport.api.router import api
from rapport.customers import urls as customers_urls
from rapport.workspace import urls as workspace_urls

# The portfolio and account page are composed in workspace but named in the customers
# namespace, as before the split (decision 53).
customers_pages = (workspace_urls.urlpatterns + customers_urls.urlpatterns, "customers")

urlpatterns = [
    path("", include("rapport.core.urls")),
    path("", include(customers_pages)),
    path("", include("rapport.analytics.urls")),
    path("feedback/", include("rapport.feedback.urls")),
    path("", include("rapport.enrichment.urls")),
    path("", include("rapport.notifications.urls")),
    path("", include("rapport.actions.urls")),
    path("", include("rapport.monitoring.urls")),
    path("", include("rapport.agreements.urls")),
    path("", include("rapport.reports.urls")),
    # --- alerts ---
    path("", include("rapport.alerts.urls")),
    path("", include("rapport.api.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "rapport.core.views.bad_request"
handler404 = "rapport.core.views.page_not_found"
handler500 = "rapport.core.views.server_error"
