from django.urls import path

from rapport.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.definitions, name="definitions"),
    path("reports/new/", views.definition_form, name="definition-create"),
    path("reports/<int:pk>/", views.definition_detail, name="definition"),
    path("reports/<int:pk>/edit/", views.definition_form, name="definition-edit"),
    path("reports/<int:pk>/delete/", views.definition_delete, name="definition-delete"),
    path("reports/<int:pk>/run/", views.run_now, name="run-now"),
    path("reports/runs/<int:pk>/", views.run_detail, name="run"),
    path("reports/runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("reports/runs/<int:pk>/files/<str:name>", views.run_file, name="run-file"),
    path("reports/runs/<int:pk>/approve/", views.run_approve, name="run-approve"),
    path("reports/runs/<int:pk>/return/", views.run_return, name="run-return"),
    path("reports/runs/<int:pk>/resubmit/", views.run_resubmit, name="run-resubmit"),
    path("reports/runs/<int:pk>/send/", views.run_send, name="run-send"),
    path("reports/runs/<int:pk>/delete/", views.run_delete, name="run-delete"),
    path(
        "reports/runs/<int:pk>/recommendations/<int:rec_id>/",
        views.recommendation_edit,
        name="recommendation-edit",
    ),
    path(
        "reports/runs/<int:pk>/recommendations/add/",
        views.recommendation_add,
        name="recommendation-add",
    ),
]
