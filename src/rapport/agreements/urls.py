from django.urls import path

from rapport.agreements import views

app_name = "agreements"

urlpatterns = [
    path(
        "accounts/<int:account_id>/expectations/",
        views.account_reviews,
        name="account-reviews",
    ),
    path(
        "accounts/<int:account_id>/expectations/change/",
        views.agreement_change_create,
        name="change-create",
    ),
    path("expectations/", views.expectations_overview, name="expectations"),
    path("expectations/<int:expectation_id>/review/", views.review_create, name="review-create"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review-edit"),
    path("reviews/<int:pk>/delete/", views.review_delete, name="review-delete"),
    path("reviews/<int:pk>/action/", views.review_action, name="review-action"),
    path(
        "reviews/<int:review_id>/alternatives/new/",
        views.review_alternative_create,
        name="review-alternative-create",
    ),
    path("alternatives/<int:pk>/choose/", views.alternative_choose, name="alternative-choose"),
    path("alternatives/<int:pk>/delete/", views.alternative_delete, name="alternative-delete"),
    path("incidents/", views.incidents, name="incidents"),
    path("incidents/new/", views.incident_form, name="incident-create"),
    path("incidents/templates/", views.templates_page, name="templates"),
    path("incidents/templates/<int:pk>/", views.template_edit, name="template-edit"),
    path("incidents/templates/<int:pk>/delete/", views.template_delete, name="template-delete"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident"),
    path("incidents/<int:pk>/edit/", views.incident_form, name="incident-edit"),
    path("incidents/<int:pk>/delete/", views.incident_delete, name="incident-delete"),
    path("incidents/<int:pk>/notify/", views.incident_notify, name="incident-notify"),
    path("incidents/affected/<int:pk>/", views.affected_update, name="affected-update"),
    path(
        "incidents/affected/<int:affected_id>/alternatives/new/",
        views.affected_alternative_create,
        name="affected-alternative-create",
    ),
    path("notices/<int:pk>/done/", views.notice_done, name="notice-done"),
]
