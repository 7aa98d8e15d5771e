import pytest

from simulation.database import DatabaseRefused, RealDataRefused, simulation_database_check
from tests.factories import BookingFactory, UserFactory


@pytest.mark.django_db
def test_a_database_with_a_real_booking_is_refused():
    BookingFactory(user=UserFactory(email="jeanne@example.org"))
    with pytest.raises(RealDataRefused, match="1 real booking"):
        simulation_database_check()


@pytest.mark.django_db
def test_a_database_with_an_earlier_simulation_is_refused_without_calling_it_real():
    BookingFactory(user=UserFactory(email="a.b.1@demo.passerelle.test"))
    with pytest.raises(DatabaseRefused) as refusal:
        simulation_database_check()
    assert not isinstance(refusal.value, RealDataRefused)


@pytest.mark.django_db
def test_an_empty_database_is_accepted():
    UserFactory(email="staff@example.org", is_staff=True)
    simulation_database_check()
