from django.urls import path

from rapport.notifications import views

app_name = "notifications"

urlpatterns = [
    path("inbox/", views.inbox_page, name="inbox"),
    path("inbox/read-all/", views.read_all, name="read-all"),
    path("inbox/<int:notification_id>/read/", views.read_one, name="read"),
    path("inbox/<int:notification_id>/open/", views.open_one, name="open"),
    path("inbox/settings/", views.settings_page, name="settings"),
    path("webhooks/", views.webhooks_page, name="webhooks"),
    path("webhooks/new/", views.endpoint_create, name="webhook-create"),
    path("webhooks/<int:endpoint_id>/", views.endpoint_page, name="webhook"),
    path("webhooks/<int:endpoint_id>/edit/", views.endpoint_edit, name="webhook-edit"),
    path("webhooks/<int:endpoint_id>/test/", views.endpoint_test, name="webhook-test"),
    path("webhooks/<int:endpoint_id>/rotate/", views.endpoint_rotate, name="webhook-rotate"),
    path("webhooks/<int:endpoint_id>/delete/", views.endpoint_delete, name="webhook-delete"),
]
