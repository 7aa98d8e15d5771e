import io
import json
import logging
from dataclasses import replace
from datetime import timedelta

import joblib
import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from sklearn.linear_model import LogisticRegression

from marketplace.models import Offer
from recommendations.availability import BATCH_AVAILABILITY_MIN_REQUESTS
from recommendations.lists import RecommendationRequest
from recommendations.ranking import serving
from recommendations.ranking.artifact import (
    LATEST,
    ArtifactError,
    artifact_load,
    artifact_path,
    artifact_save,
    model_storage,
)
from recommendations.ranking.families import HIST_GRADIENT_BOOSTING, LOGISTIC_REGRESSION
from recommendations.ranking.prior import PopularityPrior
from recommendations.ranking.training import POPULARITY_FALLBACK, TrainingOptions, ranker_train
from recommendations.strategies import recommendation_list_compute, recommendation_lists_compute
from tests.factories import BookingFactory, CategoryFactory, OfferFactory, UserFactory, VenueFactory
from tests.recommendations.ranking.conftest import world
from tests.recommended import recommended_offers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def model_store(model_folder):
    serving.served_ml.local = None
    yield
    serving.served_ml.local = None


@pytest.fixture
def marketplace():
    """A Lyon shopper who booked concerts, and concerts and a museum visit still ahead."""
    shopper = UserFactory()
    music = CategoryFactory(slug="live-music")
    museums = CategoryFactory(slug="museums-heritage")
    hall = VenueFactory()
    offers = [OfferFactory(category=music, venue=hall) for _ in range(4)]
    offers.append(OfferFactory(category=museums, venue=VenueFactory()))
    past = timezone.now() - timedelta(days=3)
    BookingFactory(user=shopper, offer=offers[0], amount=15, created_at=past)
    for other in UserFactory.create_batch(3):
        BookingFactory(user=other, offer=offers[1], amount=15, created_at=past)
    return shopper


def ml_errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == serving.__name__ and r.levelno == logging.ERROR]


def test_a_missing_model_falls_back_to_geo_with_one_logged_error(marketplace, caplog):
    geo = [r.offer.pk for r in recommended_offers(user=marketplace, limit=3, strategy="geo")]
    with caplog.at_level(logging.ERROR):
        first = recommended_offers(user=marketplace, limit=3, strategy="ml")
        second = recommended_offers(user=marketplace, limit=3, strategy="ml")
    assert [r.offer.pk for r in first] == geo == [r.offer.pk for r in second]
    errors = ml_errors(caplog)
    assert len(errors) == 1
    assert "answers with geo" in errors[0].getMessage()


def test_a_corrupt_model_falls_back_to_geo_with_one_logged_error(marketplace, caplog):
    trained = ranker_train(data=world(), options=TrainingOptions(seed=1, per_source=10))
    version = artifact_save(trained=trained, seed=1)["version"]
    storage = model_storage()
    storage.delete(artifact_path(f"{version}.joblib"))
    storage.save(artifact_path(f"{version}.joblib"), ContentFile(b"not a model at all"))
    geo = [r.offer.pk for r in recommended_offers(user=marketplace, limit=3, strategy="geo")]
    with caplog.at_level(logging.ERROR):
        lists = [recommended_offers(user=marketplace, limit=3, strategy="ml") for _ in range(3)]
    assert all([r.offer.pk for r in found] == geo for found in lists)
    errors = ml_errors(caplog)
    assert len(errors) == 1
    assert "cannot be loaded" in errors[0].getMessage()


def foreign_estimator() -> bytes:
    """A fitted scikit-learn estimator on three columns: it unpickles and has predict_proba."""
    buffer = io.BytesIO()
    features = np.random.default_rng(0).random((20, 3))
    joblib.dump(LogisticRegression().fit(features, [0, 1] * 10), buffer)
    return buffer.getvalue()


def damaged_files(*, metadata: dict, case: str) -> dict[str, bytes]:
    """The files `case` rewrites in the store of the model `metadata` describes."""
    version = metadata["version"]
    if case == "metadata-not-an-object":
        return {f"{version}.json": b"[]"}
    if case == "metadata-without-per-source":
        kept = {key: value for key, value in metadata.items() if key != "per_source"}
        return {f"{version}.json": json.dumps(kept).encode()}
    if case == "unknown-prior-term":
        prior = metadata["prior"] | {"a_term_this_code_does_not_know": 1.0}
        return {f"{version}.json": json.dumps(metadata | {"prior": prior}).encode()}
    if case == "latest-outside-the-store":
        return {LATEST: json.dumps({"version": "../../../elsewhere"}).encode()}
    # A learned family is served by its model, so a foreign one fails at every request.
    return {
        f"{version}.json": json.dumps(metadata | {"family": LOGISTIC_REGRESSION}).encode(),
        f"{version}.joblib": foreign_estimator(),
    }


@pytest.mark.parametrize(
    "case",
    [
        "metadata-not-an-object",
        "metadata-without-per-source",
        "unknown-prior-term",
        "latest-outside-the-store",
        "foreign-estimator",
    ],
)
def test_a_model_that_cannot_serve_falls_back_to_geo_with_one_logged_error(
    marketplace, caplog, case
):
    trained = ranker_train(data=world(), options=TrainingOptions(seed=1, per_source=10))
    metadata = artifact_save(trained=trained, seed=1)
    storage = model_storage()
    for name, content in damaged_files(metadata=metadata, case=case).items():
        storage.delete(artifact_path(name))
        storage.save(artifact_path(name), ContentFile(content))
    with pytest.raises(ArtifactError):
        artifact_load()
    geo = [r.offer.pk for r in recommended_offers(user=marketplace, limit=3, strategy="geo")]
    with caplog.at_level(logging.ERROR):
        lists = [recommended_offers(user=marketplace, limit=3, strategy="ml") for _ in range(3)]
    assert all([r.offer.pk for r in found] == geo for found in lists)
    assert len(ml_errors(caplog)) == 1


def test_the_stored_model_serves_lists_that_name_its_version(marketplace):
    trained = ranker_train(data=world(), options=TrainingOptions(seed=1, per_source=10))
    version = artifact_save(trained=trained, seed=1)["version"]
    # The popularity prior a fallback ranks by travels with the model.
    assert artifact_load()[0].prior == trained.prior
    found = recommendation_list_compute(
        request=RecommendationRequest(user_id=marketplace.pk, limit=3), strategy="ml"
    )
    assert found.model_version == version
    assert found.items
    booked = set(marketplace.bookings.values_list("offer_id", flat=True))
    assert booked.isdisjoint(found.offer_ids)


def test_a_large_batch_gets_the_lists_its_requests_get_one_by_one(marketplace):
    """From BATCH_AVAILABILITY_MIN_REQUESTS requests, availability is read once for the
    batch: the lists must not change, and an offer sold out since the fit stays out."""
    trained = ranker_train(data=world(), options=TrainingOptions(seed=1, per_source=10))
    artifact_save(trained=trained, seed=1)
    users = [marketplace, *UserFactory.create_batch(BATCH_AVAILABILITY_MIN_REQUESTS)]
    requests = [RecommendationRequest(user_id=user.pk, limit=3) for user in users]
    fitted = recommendation_list_compute(request=requests[0], strategy="ml")
    sold_out = Offer.objects.get(pk=fitted.offer_ids[0])
    Offer.objects.filter(pk=sold_out.pk).update(stock=1, booked_quantity=1)

    batch = recommendation_lists_compute(requests=requests, strategy="ml")

    for request, answer in zip(requests, batch, strict=True):
        alone = recommendation_list_compute(request=request, strategy="ml")
        assert answer.offer_ids == alone.offer_ids and answer.items
        assert sold_out.pk not in answer.offer_ids


def test_a_fallback_fitted_for_other_prior_terms_is_refused_a_learned_family_is_not(
    monkeypatch,
):
    trained = ranker_train(data=world(), options=TrainingOptions(seed=1, per_source=10))
    # This world's ranker falls back; its kept model (gradient boosting) stands for a
    # learned family that passed the gate.
    learned = replace(trained, family=HIST_GRADIENT_BOOSTING)
    learned_version = artifact_save(trained=learned, seed=1)["version"]
    fallback = replace(trained, family=POPULARITY_FALLBACK, prior=PopularityPrior(0, 1, 0, 1))
    artifact_save(trained=fallback, seed=1)
    assert artifact_load()[0].family == POPULARITY_FALLBACK
    # The code's co-interactions term changes meaning: the fallback's weights no longer fit.
    monkeypatch.setattr(
        "recommendations.ranking.artifact.PRIOR_TERMS",
        ("popularity:log-people", "co_interactions:something-else"),
    )
    with pytest.raises(ArtifactError, match="other terms"):
        artifact_load()
    assert artifact_load(version=learned_version)[0].family == HIST_GRADIENT_BOOSTING


def test_an_artifact_for_other_features_is_refused():
    trained = ranker_train(data=world(), options=TrainingOptions(seed=1, per_source=10))
    trained.feature_names = (*trained.feature_names, "a_feature_this_code_does_not_compute")
    artifact_save(trained=trained, seed=1)
    with pytest.raises(ArtifactError, match="other features"):
        artifact_load()


def test_two_anonymous_requests_in_a_batch_leave_the_other_lists_alone(marketplace):
    """Anonymous requesters share one user position: the learned family scores it once."""
    trained = ranker_train(
        data=world(n_users=300, fresh_pull=10),
        options=TrainingOptions(seed=3, per_source=10, negatives_per_positive=5),
    )
    assert trained.family != POPULARITY_FALLBACK
    artifact_save(trained=trained, seed=3)
    requests = [
        RecommendationRequest(user_id=None, limit=3),
        RecommendationRequest(user_id=marketplace.pk, limit=3),
        RecommendationRequest(user_id=None, limit=3),
    ]

    batch = recommendation_lists_compute(requests=requests, strategy="ml")

    for request, answer in zip(requests, batch, strict=True):
        alone = recommendation_list_compute(request=request, strategy="ml")
        assert answer.offer_ids == alone.offer_ids and answer.items
