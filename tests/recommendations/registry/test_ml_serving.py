"""The `ml` strategy serves the registry's champion, and follows a promotion and a rollback,
precomputed lists included."""

import pytest
from django.utils import timezone

from recommendations.lists import ListSource, RecommendationRequest
from recommendations.precompute import recommendation_lists_precompute
from recommendations.ranking.serving import ml_model_current, ml_model_forget
from recommendations.registry.services import model_version_promote, model_version_rollback
from recommendations.serving import recommendation_list_serve, recommendation_lists_serve
from recommendations.strategies import recommendation_list_compute
from tests.factories import BookingFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_process(settings):
    """A process that looks for the champion at every request and has loaded nothing yet."""
    settings.MODEL_REGISTRY_CHAMPION_CHECK_SECONDS = 0
    ml_model_forget()
    yield
    ml_model_forget()


def test_the_ml_strategy_serves_the_champion_and_follows_a_rollback(
    register, fresh_process, django_capture_on_commit_callbacks
):
    shopper = UserFactory()
    BookingFactory(user=shopper, offer=OfferFactory(), created_at=timezone.now())
    first, second = register(), register()
    with django_capture_on_commit_callbacks(execute=True):
        model_version_promote(version_id=first.version_id, actor="test", reason="test")
    assert ml_model_current().params["version"] == first.version_id

    with django_capture_on_commit_callbacks(execute=True):
        model_version_promote(version_id=second.version_id, actor="test", reason="test")
    listed = recommendation_list_compute(
        request=RecommendationRequest(user_id=shopper.pk), strategy="ml"
    )
    assert listed.model_version == second.version_id

    with django_capture_on_commit_callbacks(execute=True):
        model_version_rollback(actor="test", reason="test")
    assert ml_model_current().params["version"] == first.version_id


def test_lists_precomputed_before_a_rollback_are_not_served_after_it(
    register, fresh_process, django_capture_on_commit_callbacks
):
    shopper = UserFactory()
    BookingFactory(user=shopper, offer=OfferFactory(), created_at=timezone.now())
    OfferFactory.create_batch(8)
    first, second = register(), register()
    for version in (first, second):
        with django_capture_on_commit_callbacks(execute=True):
            model_version_promote(version_id=version.version_id, actor="test", reason="test")
    recommendation_lists_precompute(user_ids=[shopper.pk], strategy="ml")
    request = RecommendationRequest(user_id=shopper.pk, limit=3)
    before, _ = recommendation_list_serve(request=request, strategy="ml")

    with django_capture_on_commit_callbacks(execute=True):
        model_version_rollback(actor="test", reason="test")
    alone, _ = recommendation_list_serve(request=request, strategy="ml")
    (batched,) = recommendation_lists_serve(requests=[request], strategy="ml")

    assert (before.source, before.model_version) == (ListSource.PRECOMPUTED, second.version_id)
    for served in (alone, batched):
        assert (served.source, served.model_version) == (ListSource.COMPUTED, first.version_id)
