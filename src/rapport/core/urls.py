from django.contrib.auth import views as auth_views
from django.urls import path

from rapport.core import password_views, views

app_name = "core"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", password_views.PasswordChange.as_view(), name="password-change"),
    path("healthz", views.healthz, name="healthz"),
]
