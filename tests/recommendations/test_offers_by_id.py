"""The offers-by-id statement loads what the ORM's `select_related(...).in_bulk()` loads, in
both its forms (prepared with an array on PostgreSQL, portable elsewhere)."""

from decimal import Decimal

import pytest

import recommendations.offers_by_id as offers_by_id_module
from marketplace.models import Offer
from recommendations.offers_by_id import offers_by_id
from tests.factories import DigitalOfferFactory, OfferFactory
from tests.recommendations.test_servable import as_loaded

pytestmark = pytest.mark.django_db

FORMS = [
    pytest.param(True, id="portable"),
    pytest.param(False, id="prepared", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize("portable", FORMS)
def test_offers_come_loaded_as_select_related_loads_them(portable):
    offers = [OfferFactory(is_active=False), OfferFactory(stock=None), OfferFactory()]
    digital = DigitalOfferFactory(price=Decimal("7.50"))
    deleted = OfferFactory()
    deleted_pk = deleted.pk
    deleted.delete()
    ids = {offer.pk for offer in offers} | {digital.pk, deleted_pk}

    got = offers_by_id(ids, portable=portable)

    expected = Offer.objects.select_related("category", "venue").in_bulk(ids)
    assert set(got) == set(expected) == ids - {deleted_pk}
    assert {pk: as_loaded(offer) for pk, offer in got.items()} == {
        pk: as_loaded(offer) for pk, offer in expected.items()
    }
    assert got[digital.pk].venue is None
    assert isinstance(got[digital.pk].price, Decimal)


def test_the_portable_form_reads_a_long_list_in_batches(monkeypatch):
    monkeypatch.setattr(offers_by_id_module, "PORTABLE_BATCH", 2)
    offers = OfferFactory.create_batch(5)

    got = offers_by_id([offer.pk for offer in offers], portable=True)

    assert set(got) == {offer.pk for offer in offers}


def test_no_ids_load_nothing_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert offers_by_id([]) == {}
