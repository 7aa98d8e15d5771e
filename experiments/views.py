"""Entrance of recommendation clicks: record the click, then go to the offer."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from experiments.clicks import ExpiredClickLink, InvalidClickLink, click_token_read
from experiments.services import click_record


@require_GET
def recommendation_click(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = click_token_read(token=token)
    except ExpiredClickLink as expired:
        return redirect("storefront:offer_detail", offer_id=expired.offer_id)
    except InvalidClickLink as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    click_record(link=link)
    return redirect("storefront:offer_detail", offer_id=link.offer_id)
