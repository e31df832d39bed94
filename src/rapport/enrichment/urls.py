from django.urls import path

from rapport.enrichment import views

app_name = "enrichment"

urlpatterns = [
    path("themes/", views.themes_page, name="themes"),
    path("themes/add/", views.theme_add, name="theme-add"),
    path("themes/standard/", views.install_standard, name="install-standard"),
    path("themes/train/", views.train_now, name="train"),
    path("themes/sentiment/train/", views.train_sentiment, name="train-sentiment"),
    path("themes/sentiment/vader/", views.use_vader, name="use-vader"),
    path("themes/<int:theme_id>/", views.theme_edit, name="theme-edit"),
    path("themes/label/", views.label_queue, name="label"),
    path("themes/label/<int:response_id>/", views.label, name="label-response"),
    path(
        "themes/label/<int:response_id>/sentiment/",
        views.correct_sentiment,
        name="correct-sentiment",
    ),
]

urlpatterns += [
    path("accounts/<int:account_id>/themes/", views.account_themes, name="account-themes"),
]
