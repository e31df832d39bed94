from django.urls import path

from rapport.monitoring import schedule_views, views

app_name = "monitoring"

_items = []
for _kind, _singular, _prefix in (
    ("methods", "method", "plan-methods"),
    ("kpis", "kpi", "plan-kpis"),
    ("reports", "report", "plan-reports"),
):
    _items += [
        path(
            f"plan-versions/<int:pk>/{_kind}/add/",
            views.item_add,
            {"kind": _kind},
            name=f"{_singular}-add",
        ),
        path(f"{_prefix}/<int:pk>/", views.item_edit, {"kind": _kind}, name=f"{_singular}-edit"),
        path(
            f"{_prefix}/<int:pk>/delete/",
            views.item_delete,
            {"kind": _kind},
            name=f"{_singular}-delete",
        ),
    ]

urlpatterns = [
    path("accounts/<int:account_id>/plan/", views.account_plan, name="account-plan"),
    path("accounts/<int:account_id>/plan/start/", views.start_plan, name="plan-start"),
    path("accounts/<int:account_id>/plan/calendar/", schedule_views.calendar_page, name="calendar"),
    path("plans/<int:pk>/new-version/", views.new_version, name="new-version"),
    path("plans/<int:pk>/versions/", views.versions, name="versions"),
    path("plans/<int:pk>/change-requests/", views.change_requests, name="change-requests"),
    path(
        "plan-change-requests/<int:pk>/decline/",
        views.decline_change_request,
        name="change-request-decline",
    ),
    path("plan-versions/<int:pk>/", views.version_page, name="version"),
    path("plan-versions/<int:pk>/texts/", views.version_edit, name="version-edit"),
    path("plan-versions/<int:pk>/propose/", views.propose, name="version-propose"),
    path("plan-versions/<int:pk>/withdraw/", views.withdraw, name="version-withdraw"),
    path("plan-versions/<int:pk>/discard/", views.discard, name="version-discard"),
    path("plan-versions/<int:pk>/agree/", views.agree, name="version-agree"),
    path("plan-versions/<int:pk>/customer/", views.customer_view, name="customer-view"),
    *_items,
    path("activities/<int:pk>/done/", schedule_views.activity_done, name="activity-done"),
    path("monitoring/", schedule_views.team_schedule, name="schedule"),
    path("monitoring/methods/", schedule_views.methods_page, name="methods"),
    path("monitoring/templates/", schedule_views.templates_page, name="templates"),
    path("monitoring/templates/new/", schedule_views.template_create, name="template-create"),
    path("monitoring/templates/<int:pk>/edit/", schedule_views.template_edit, name="template-edit"),
]
