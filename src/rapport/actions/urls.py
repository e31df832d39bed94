from django.urls import path

from rapport.actions import plan_views, views

app_name = "actions"

urlpatterns = [
    path("actions/", views.action_board, name="board"),
    path("actions/export.<str:fmt>", views.action_board_export, name="board-export"),
    path("actions/new/", views.action_create, name="create"),
    path("actions/<int:pk>/", views.action_detail, name="detail"),
    path("actions/<int:pk>/edit/", views.action_edit, name="edit"),
    path("actions/<int:pk>/status/", views.action_status, name="status"),
    path("actions/<int:pk>/loop/", views.action_close_loop, name="close-loop"),
    path("actions/escalations/", views.escalation_view, name="escalations"),
    path("actions/loops/", views.loop_log, name="loops"),
    path("actions/loops/export.<str:fmt>", views.loop_log_export, name="loops-export"),
    path("actions/ideas/", plan_views.ideas, name="ideas"),
    path("actions/ideas/<int:pk>/accept/", plan_views.idea_accept, name="idea-accept"),
    path("actions/ideas/<int:pk>/decline/", plan_views.idea_decline, name="idea-decline"),
    path("actions/plans/", plan_views.action_plans, name="plans"),
    path("actions/plans/<int:pk>/", plan_views.action_plan_detail, name="plan"),
    path("actions/personal/", plan_views.personal_plans, name="personal-plans"),
    path("actions/personal/<int:pk>/", plan_views.personal_plan_detail, name="personal-plan"),
    path("actions/personal/<int:pk>/sign/", plan_views.personal_plan_sign, name="personal-sign"),
    path("actions/personal/<int:pk>/goals/", plan_views.personal_goal_add, name="personal-goal"),
    path(
        "actions/personal/goals/<int:pk>/status/",
        plan_views.personal_goal_status,
        name="personal-goal-status",
    ),
    path(
        "actions/personal/<int:pk>/review/", plan_views.personal_plan_review, name="personal-review"
    ),
    path("actions/performance/", plan_views.performance, name="performance"),
    path("teams/<int:team_id>/managers/", plan_views.team_managers, name="team-managers"),
    path("accounts/<int:account_id>/actions/", views.account_actions, name="account"),
]
