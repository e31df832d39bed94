from django.urls import path

from rapport.alerts import views

app_name = "alerts"

urlpatterns = [
    path("alerts/", views.inbox, name="inbox"),
    path("alerts/<int:pk>/", views.detail, name="detail"),
    path("alerts/<int:pk>/close/", views.close, name="close"),
    path("alerts/rules/", views.rules, name="rules"),
    path("alerts/rules/new/", views.rule_create, name="rule-create"),
    path("alerts/rules/test/", views.rule_test, name="rule-test-draft"),
    path("alerts/rules/evaluate/", views.evaluate, name="evaluate"),
    path("alerts/rules/<int:pk>/edit/", views.rule_edit, name="rule-edit"),
    path("alerts/rules/<int:pk>/test/", views.rule_test, name="rule-test"),
    path("alerts/rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("accounts/<int:account_id>/alerts/", views.account_alerts, name="account"),
]
