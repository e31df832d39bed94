from django.contrib import admin
from django.urls import include, path

from rapport.api.router import api

urlpatterns = [
    path("", include("rapport.core.urls")),
    path("", include("rapport.customers.urls")),
    path("", include("rapport.analytics.urls")),
    path("feedback/", include("rapport.feedback.urls")),
    path("", include("rapport.enrichment.urls")),
    path("", include("rapport.api.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler500 = "rapport.core.views.server_error"
