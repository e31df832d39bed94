from django.urls import path

from rapport.notifications import views

app_name = "notifications"

urlpatterns = [
    path("inbox/", views.inbox_page, name="inbox"),
    path("inbox/read-all/", views.read_all, name="read-all"),
    path("inbox/<int:notification_id>/read/", views.read_one, name="read"),
    path("inbox/<int:notification_id>/open/", views.open_one, name="open"),
    path("inbox/settings/", views.settings_page, name="settings"),
]
