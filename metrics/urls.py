from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("experiments/", views.experiments, name="experiments"),
    path("export.csv", views.export_csv, name="export_csv"),
]
