"""Pages behind the links of a newsletter: unsubscribe (RFC 8058 one-click too) and click tracking.

Both are reached from a mailbox, without a session: the token in the URL is
the only credential, so they need no login and no CSRF cookie.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from newsletter.models import Unsubscription
from newsletter.selectors import send_for_unsubscribe_token
from newsletter.services import click_record, newsletter_unsubscribe
from newsletter.tokens import InvalidLink


def invalid_link(request: HttpRequest, error: InvalidLink) -> HttpResponse:
    return render(request, "newsletter/invalid_link.html", {"message": str(error)}, status=400)


# RFC 8058: mail clients POST here without cookies or a CSRF token; the signed
# token is what authorises the request.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation; POST (the page's button or a mail client) unsubscribes.

    The POST answers 200 with a page, never a redirect, as RFC 8058 asks.
    """
    if request.method == "GET":
        try:
            send_for_unsubscribe_token(token=token)
        except InvalidLink as error:
            return invalid_link(request, error)
        return render(request, "newsletter/unsubscribe_confirm.html", {"token": token})
    # The confirmation page's form sends `confirm`; mail clients send only
    # "List-Unsubscribe=One-Click".
    from_page = "confirm" in request.POST
    method = Unsubscription.Method.PAGE if from_page else Unsubscription.Method.ONE_CLICK
    try:
        send = newsletter_unsubscribe(token=token, method=method)
    except InvalidLink as error:
        return invalid_link(request, error)
    return render(request, "newsletter/unsubscribe_done.html", {"email": send.user.email})


@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Record the click and land on the offer page."""
    try:
        offer_id = click_record(token=token)
    except InvalidLink as error:
        return invalid_link(request, error)
    return redirect("storefront:offer_detail", offer_id=offer_id)
