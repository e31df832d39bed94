from django.urls import path

from rapport.api import views

urlpatterns = [
    path("tokens/", views.tokens, name="api-tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke, name="api-token-revoke"),
]
