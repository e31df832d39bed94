from django.urls import path

from rapport.customers import cost_views, views

app_name = "customers"

urlpatterns = [
    path("accounts/new/", views.account_form, name="account-create"),
    path("accounts/<int:account_id>/edit/", views.account_form, name="account-edit"),
    # Before the generic record routes, which would take “costs” as a record kind.
    path(
        "accounts/<int:account_id>/costs/new/",
        cost_views.cost_entry_create,
        name="cost-entry-create",
    ),
    path("costs/<int:pk>/edit/", cost_views.cost_entry_edit, name="cost-entry-edit"),
    path("costs/<int:pk>/delete/", cost_views.cost_entry_delete, name="cost-entry-delete"),
    path("accounts/<int:account_id>/<slug:kind>/new/", views.related_form, name="related-create"),
    path("records/<slug:kind>/<int:pk>/edit/", views.related_form, name="related-edit"),
    path("records/<slug:kind>/<int:pk>/delete/", views.related_delete, name="related-delete"),
]
