"""The `ml` strategy serves the registry's champion, and follows a promotion and a rollback."""

import pytest
from django.utils import timezone

from recommendations.lists import RecommendationRequest
from recommendations.ranking.serving import ml_model_current, ml_model_forget
from recommendations.registry.services import model_version_promote, model_version_rollback
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
