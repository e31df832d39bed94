from django.urls import path

from rapport.feedback import views

app_name = "feedback"

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:job_id>/", views.import_detail, name="import"),
    path("imports/<int:job_id>/progress/", views.import_progress, name="import-progress"),
    path("imports/<int:job_id>/errors.csv", views.import_errors_download, name="import-errors-csv"),
    path("imports/<int:job_id>/resume/", views.import_resume, name="import-resume"),
]
