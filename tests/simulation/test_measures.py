import pytest
from django.utils import timezone

from simulation.measures import variant_windows
from tests.factories import BookingFactory, CategoryFactory, OfferFactory, UserFactory


@pytest.mark.django_db
def test_two_bookings_of_one_category_are_one_category_and_two_of_two_are_the_north_star():
    concerts, films = CategoryFactory(slug="live-music"), CategoryFactory(slug="films-series")
    faithful, curious = UserFactory(), UserFactory()
    for offer in (OfferFactory(category=concerts), OfferFactory(category=concerts)):
        BookingFactory(user=faithful, offer=offer)
    for offer in (OfferFactory(category=concerts), OfferFactory(category=films)):
        BookingFactory(user=curious, offer=offer)
    windows = variant_windows(
        end=timezone.localdate(), variant_of_user={faithful.pk: "control", curious.pk: "control"}
    )
    assert windows["control"].active_users == 2
    assert windows["control"].multi_category_users == 1
    assert windows["control"].north_star == 0.5
