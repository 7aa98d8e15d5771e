"""Shopper pages: the catalogue, offer pages, booking, sign-up and "my bookings".

Views only translate the request into calls of the marketplace's selectors and
services, and their refusals into form errors or messages.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.models import Offer
from marketplace.selectors import (
    booking_list_for_user,
    booking_live_for_offer,
    offer_get_visible,
    offer_list_upcoming,
)
from marketplace.services import BookingError, booking_cancel, booking_create, user_register
from storefront.forms import BookingForm, CategoryFilterForm, EmailAuthenticationForm, SignupForm
from storefront.recommended import homepage_recommended_section

OFFERS_PER_PAGE = 24
BOOKINGS_PER_PAGE = 20


def home(request: HttpRequest) -> HttpResponse:
    """Upcoming bookable offers, optionally of one category, a page at a time; the canary's
    treatment also sees its recommendations first."""
    filter_form = CategoryFilterForm(request.GET)
    category = filter_form.selected_category()
    offers = offer_list_upcoming(category_slug=category.slug if category else None)
    page = Paginator(offers, OFFERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "storefront/home.html",
        {
            "filter_form": filter_form,
            "category": category,
            "page": page,
            "page_query": f"category={category.slug}&" if category else "",
            "recommended": homepage_recommended_section(request=request),
        },
    )


def offer_detail_render(
    request: HttpRequest, offer: Offer, booking_form: BookingForm
) -> HttpResponse:
    live_booking = (
        booking_live_for_offer(user=request.user, offer_id=offer.pk)
        if request.user.is_authenticated
        else None
    )
    return render(
        request,
        "storefront/offer_detail.html",
        {"offer": offer, "booking_form": booking_form, "live_booking": live_booking},
    )


def offer_visible_or_404(offer_id: int) -> Offer:
    try:
        return offer_get_visible(offer_id=offer_id)
    except Offer.DoesNotExist:
        raise Http404("No such offer.") from None


def offer_detail(request: HttpRequest, offer_id: int) -> HttpResponse:
    return offer_detail_render(request, offer_visible_or_404(offer_id), BookingForm())


@require_POST
def offer_book(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = offer_visible_or_404(offer_id)
    if not request.user.is_authenticated:
        # Back to the offer page after logging in: this URL only takes POSTs.
        return redirect_to_login(reverse("storefront:offer_detail", args=[offer.pk]))
    form = BookingForm(request.POST)
    if form.is_valid():
        try:
            booking = booking_create(
                user=request.user, offer_id=offer.pk, quantity=form.cleaned_data["quantity"]
            )
        except BookingError as error:
            form.add_error(None, str(error))
            # The offer may have changed (sold out, withdrawn) since the page was shown.
            offer.refresh_from_db()
        else:
            messages.success(
                request,
                f"Booked {booking.quantity} place{'s' if booking.quantity > 1 else ''} "
                f"for “{offer.title}”.",
            )
            return redirect("storefront:my_bookings")
    return offer_detail_render(request, offer, form)


def safe_next_url(request: HttpRequest) -> str | None:
    """The `next` page asked for, when it is on this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("storefront:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(**form.registration())
        except ValidationError as error:
            # Keyed by field (unknown postcode, email taken): shown next to the field.
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to Passerelle! You are signed in as {user.email}.")
            return redirect(safe_next_url(request) or "storefront:home")
    return render(request, "storefront/signup.html", {"form": form, "next": safe_next_url(request)})


class ShopperLoginView(LoginView):
    template_name = "storefront/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class ShopperLogoutView(LogoutView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    page = Paginator(booking_list_for_user(user=request.user), BOOKINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "storefront/my_bookings.html", {"page": page})


@require_POST
def booking_cancel_view(request: HttpRequest, booking_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("storefront:my_bookings"))
    try:
        booking = booking_cancel(user=request.user, booking_id=booking_id)
    except BookingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Your booking for “{booking.offer.title}” is cancelled.")
    return redirect("storefront:my_bookings")
