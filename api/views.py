"""API v1 entrances: they validate the query, ask the selectors and services, and shape
the answer (ADR 0015). The serving logic lives in `recommendations.serving`."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import (
    AuthenticationFailed,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers import (
    ErrorSerializer,
    MeSerializer,
    RecommendationMetaSerializer,
    RecommendationQuerySerializer,
    RecommendationResponseSerializer,
    RecommendedOfferSerializer,
    TokenCreateSerializer,
    TokenSerializer,
)
from api.services import api_token_create, api_token_revoke
from experiments.assignment import variant_for_request, variant_for_user
from experiments.models import Surface
from experiments.services import exposures_log
from experiments.visitors import visitor_id_for_request
from marketplace.models import User
from recommendations.lists import Location, RecommendationList, RecommendationRequest
from recommendations.offers import recommended_offers_serve
from recommendations.serving import strategy_for_variant

ERRORS = {
    400: OpenApiResponse(description="A parameter is invalid; the body names it."),
    401: OpenApiResponse(ErrorSerializer, description="Credentials are missing or wrong."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed for this caller."),
    404: OpenApiResponse(ErrorSerializer, description="No such user."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; see Retry-After."),
}


def list_owner(*, request: Request, user_id: int | None) -> User | None:
    """Whose list the caller reads: their own, someone else's for staff, nobody's when
    anonymous. Raises 401, 403 or 404."""
    caller = request.user
    if user_id is None:
        return caller if caller.is_authenticated else None
    if not caller.is_authenticated:
        raise NotAuthenticated(_("Sign in to read a user's list."))
    if user_id == caller.pk:
        return caller
    if not caller.is_staff:
        raise PermissionDenied(_("Only staff may read another user's list."))
    owner = User.objects.filter(pk=user_id).first()
    if owner is None:
        raise NotFound(_("No user with id %(id)s.") % {"id": user_id})
    return owner


def list_meta(recommendation_list: RecommendationList) -> dict:
    return {
        "strategy": recommendation_list.strategy,
        "model_version": recommendation_list.model_version,
        "variant": recommendation_list.variant,
        "request_id": recommendation_list.request_id,
        "source": recommendation_list.source,
        "generated_at": recommendation_list.generated_at,
        "personalised": recommendation_list.personalised,
    }


class RecommendationsView(APIView):
    # Anonymous callers get the non-personalised list.
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[RecommendationQuerySerializer],
        responses={200: RecommendationResponseSerializer, **ERRORS},
        summary="Recommended offers for the caller (or, for staff, any user)",
    )
    def get(self, request: Request) -> Response:
        params = RecommendationQuerySerializer.plain_query(request.query_params)
        if params is None:
            query = RecommendationQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            params = query.validated_data
        owner = list_owner(request=request, user_id=params.get("user_id"))
        flag = settings.HOMEPAGE_RECOMMENDATIONS_FLAG
        # Waffle's cookie for anonymous callers is set on Django's request, which
        # DRF wraps; its middleware writes it on the response.
        variant = (
            variant_for_request(flag_name=flag, request=request._request, user=request.user)
            if owner is None
            else variant_for_user(flag_name=flag, user=owner)
        )
        location = (
            Location(latitude=params["lat"], longitude=params["lon"]) if "lat" in params else None
        )
        loaded = recommended_offers_serve(
            request=RecommendationRequest(
                user_id=owner.pk if owner else None,
                limit=params["limit"],
                categories=tuple(params["category"]),
                location=location,
                variant=variant,
            ),
            strategy=strategy_for_variant(variant),
            as_cards=True,
        )
        # The list as answered (offers deleted since it was made left out): what the
        # exposures log and what each item's click_url names, position for position.
        shown, offers = loaded.recommendation_list, loaded.offers
        # The items are built by one serializer instance, outside DRF's `many=True` and
        # nested-field machinery, which copied and ran every declared field per item
        # (ADR 0015); RecommendationResponseSerializer remains the documented shape.
        # Staff reading someone else's list show it to nobody: not an exposure, and no
        # tracked link (followed, it would record a click for the owner; ADR 0015). A HEAD
        # request shows nothing either (ADR 0021).
        shown_to_owner = owner is None or owner.pk == request.user.pk
        item = RecommendedOfferSerializer(
            context={"request": request, "recommendation_list": shown, "tracked": shown_to_owner}
        )
        body = {
            "meta": RecommendationMetaSerializer().to_representation(list_meta(shown)),
            "results": [item.to_representation(offer) for offer in offers],
        }
        if shown_to_owner and request.method == "GET":
            exposures_log(
                recommendation_list=shown,
                surface=Surface.API,
                visitor_id="" if owner else visitor_id_for_request(request._request),
            )
        return Response(body)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer, 401: ERRORS[401], 429: ERRORS[429]})
    def get(self, request: Request) -> Response:
        user = request.user
        variant = variant_for_user(flag_name=settings.HOMEPAGE_RECOMMENDATIONS_FLAG, user=user)
        return Response(
            MeSerializer(
                {
                    "id": user.pk,
                    "email": user.email,
                    "home_city": user.home_city,
                    "variant": variant,
                }
            ).data
        )


class TokenView(APIView):
    """A shopper's API token: POST email and password to get it, DELETE it to revoke it."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        request=TokenCreateSerializer,
        responses={
            201: TokenSerializer,
            400: ERRORS[400],
            401: ERRORS[401],
            403: OpenApiResponse(
                ErrorSerializer, description="A session cookie was sent without its CSRF token."
            ),
            429: ERRORS[429],
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        credentials = TokenCreateSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=credentials.validated_data["email"],
            password=credentials.validated_data["password"],
        )
        if user is None:
            raise AuthenticationFailed(_("Wrong email or password."))
        return Response({"token": api_token_create(user=user)}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, 401: ERRORS[401], 429: ERRORS[429]})
    def delete(self, request: Request) -> Response:
        api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
