"""Routes of the shopper pages."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from storefront import views

app_name = "storefront"

# Django's password reset views, in the site's templates; the email goes out in the
# language of the page the shopper asked from (ADR 0027).
password_reset_urls = [
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="storefront/password_reset_form.html",
            email_template_name="storefront/emails/password_reset.txt",
            html_email_template_name="storefront/emails/password_reset.html",
            subject_template_name="storefront/emails/password_reset_subject.txt",
            success_url=reverse_lazy("storefront:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="storefront/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="storefront/password_reset_confirm.html",
            success_url=reverse_lazy("storefront:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="storefront/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("offers/<int:offer_id>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:offer_id>/book/", views.offer_book, name="offer_book"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.ShopperLoginView.as_view(), name="login"),
    path("logout/", views.ShopperLogoutView.as_view(), name="logout"),
    path("bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel_view, name="booking_cancel"),
    *password_reset_urls,
]
