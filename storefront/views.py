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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.models import Booking, Offer
from marketplace.search import offer_distances_km, offer_search
from marketplace.selectors import (
    booking_cancel_refusal,
    booking_get_for_user,
    booking_lists_for_user,
    booking_live_for_offer,
    offer_get_visible,
)
from marketplace.services import (
    BookingError,
    booking_cancel,
    booking_create,
    user_register,
)
from marketplace.templatetags.money import price_label
from storefront.forms import (
    PLACES_PER_BOOKING_MAX,
    BookingForm,
    EmailAuthenticationForm,
    OfferSearchForm,
    SignupForm,
)
from storefront.recommended import (
    homepage_exposures_log,
    homepage_recommended_section,
    homepage_variant,
    listing_top_as_list,
)

OFFERS_PER_PAGE = 24


def query_without_page(request: HttpRequest) -> str:
    """The query string minus `page`, ending with "&" when not empty, for page links."""
    query = request.GET.copy()
    query.pop("page", None)
    return f"{query.urlencode()}&" if query else ""


def home(request: HttpRequest) -> HttpResponse:
    """The catalogue: searched, filtered, soonest first, a numbered page at a time; the
    canary's treatment also sees its recommendations first.

    Each view logs one list as exposures, whatever the variant: the recommendations
    when the section is shown, else the top of the listing (ADR 0021), so that
    "users exposed" counts the same thing in both arms."""
    user = request.user if request.user.is_authenticated else None
    search_form = OfferSearchForm(request.GET, user=user)
    offers = offer_search(search=search_form.search())
    page = Paginator(offers, OFFERS_PER_PAGE).get_page(request.GET.get("page"))
    if user is not None and user.has_home_coordinates:
        distances = offer_distances_km(
            offers=page.object_list, latitude=user.home_latitude, longitude=user.home_longitude
        )
        for offer in page.object_list:
            offer.distance_km = distances.get(offer.pk)
    variant = homepage_variant(request=request)
    recommended = homepage_recommended_section(request=request, variant=variant)
    listing_shown = (
        None
        if recommended
        else listing_top_as_list(request=request, offers=page.object_list, variant=variant)
    )
    homepage_exposures_log(
        request=request,
        shown=recommended.recommendation_list if recommended else listing_shown,
    )
    return render(
        request,
        "storefront/home.html",
        {
            "search_form": search_form,
            "category": search_form.selected_category(),
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number),
            "page_query": query_without_page(request),
            "is_filtered": any(value for key, value in request.GET.items() if key != "page"),
            "recommended": recommended,
            # The listing's top when it is the view's logged list: its links are tracked.
            "listing_shown": listing_shown,
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
        {
            "offer": offer,
            "booking_form": booking_form,
            "live_booking": live_booking,
            "booking_total": booking_total_for(offer, booking_form),
        },
    )


def booking_total_for(offer: Offer, booking_form: BookingForm) -> dict:
    """The price of the chosen quantity, and of every other one, formatted here so the
    page's script only swaps texts (and the total reads right without JavaScript)."""
    try:
        chosen = int(booking_form["quantity"].value())
    except (TypeError, ValueError):
        chosen = 1
    chosen = min(max(chosen, 1), PLACES_PER_BOOKING_MAX)
    totals = {
        quantity: price_label(offer.price * quantity)
        for quantity in range(1, PLACES_PER_BOOKING_MAX + 1)
    }
    return {"label": totals[chosen], "by_quantity": totals}


def offer_visible_or_404(offer_id: int) -> Offer:
    try:
        return offer_get_visible(offer_id=offer_id)
    except Offer.DoesNotExist:
        raise Http404(_("No such offer.")) from None


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
                ngettext(
                    "Booked %(count)d place for “%(title)s”.",
                    "Booked %(count)d places for “%(title)s”.",
                    booking.quantity,
                )
                % {"count": booking.quantity, "title": offer.title},
            )
            return redirect("storefront:my_bookings")
    return offer_detail_render(request, offer, form)


def safe_next_url(request: HttpRequest) -> str | None:
    """The `next` page asked for, when it is a path on this site.

    Only paths: `redirect()` would take a bare word for a view name and fail.
    """
    target = request.POST.get("next") or request.GET.get("next")
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
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
            messages.success(
                request,
                _("Welcome to Passerelle! You are signed in as %(email)s.") % {"email": user.email},
            )
            return redirect(safe_next_url(request) or "storefront:home")
    return render(request, "storefront/signup.html", {"form": form, "next": safe_next_url(request)})


class ShopperLoginView(LoginView):
    template_name = "storefront/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class ShopperLogoutView(LogoutView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are logged out."))
        return response


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    return render(request, "storefront/my_bookings.html", booking_lists_for_user(user=request.user))


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel_view(request: HttpRequest, booking_id: int) -> HttpResponse:
    """GET asks for confirmation, or says why the booking cannot be cancelled; only the
    POST of that page cancels."""
    if request.method == "GET":
        try:
            booking = booking_get_for_user(user=request.user, booking_id=booking_id)
        except Booking.DoesNotExist:
            raise Http404(_("No such booking.")) from None
        return render(
            request,
            "storefront/booking_cancel_confirm.html",
            {"booking": booking, "refusal": booking_cancel_refusal(booking=booking)},
        )
    try:
        booking = booking_cancel(user=request.user, booking_id=booking_id)
    except BookingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Your booking for “%(title)s” is cancelled.") % {"title": booking.offer.title},
        )
    return redirect("storefront:my_bookings")
