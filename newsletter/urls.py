"""Routes of the links found in newsletters."""

from django.urls import path

from newsletter import views

app_name = "newsletter"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("c/<str:token>/", views.click, name="click"),
]
