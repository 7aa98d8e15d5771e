"""Routes of the shopper pages."""

from django.urls import path

from storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("offers/<int:offer_id>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:offer_id>/book/", views.offer_book, name="offer_book"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.ShopperLoginView.as_view(), name="login"),
    path("logout/", views.ShopperLogoutView.as_view(), name="logout"),
    path("bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel_view, name="booking_cancel"),
]
