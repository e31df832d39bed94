"""The composed pages keep their paths and their names in the `customers` namespace (the root
urls include these patterns with customers' own), so links and bookmarks stay as they were."""

from django.urls import path

from rapport.workspace import views

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("accounts/<int:account_id>/", views.account_detail, name="account"),
    path("portfolio.<str:fmt>", views.portfolio_export, name="portfolio-export"),
    path("accounts/<int:account_id>/feedback/", views.account_feedback, name="account-feedback"),
    path(
        "accounts/<int:account_id>/feedback/export.<str:fmt>",
        views.account_feedback_export,
        name="account-feedback-export",
    ),
    path("search/", views.search, name="search"),
]
