from django.urls import path

from rapport.analytics import views

app_name = "analytics"

urlpatterns = [
    path("accounts/<int:account_id>/analytics/", views.account_page, name="account"),
    path(
        "accounts/<int:account_id>/analytics/baseline/",
        views.set_baseline,
        name="set-baseline",
    ),
]
