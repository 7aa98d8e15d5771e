"""The homepage canary: treatment sees the recommended section, control never does, and the
kill switch hides it for everyone."""

import pytest
from waffle.testutils import override_switch

from experiments.assignment import CONTROL, TREATMENT, variant_for_user
from tests.canary import FLAG, KILL_SWITCH, homepage_flag_set
from tests.factories import BookingFactory, OfferFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SECTION = 'id="recommended-heading"'


@pytest.fixture
def offers():
    made = [OfferFactory(stock=50, title=f"Pick {rank}") for rank in range(8)]
    for rank, offer in enumerate(made):
        BookingFactory.create_batch(8 - rank, offer=offer)
    return made


def users_in(variant: str, count: int) -> list:
    """`count` users the 50% canary puts in `variant` (found by trying new users)."""
    found = []
    while len(found) < count:
        user = UserFactory()
        if variant_for_user(flag_name=FLAG, user=user) == variant:
            found.append(user)
    return found


def home_for(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_treatment_users_always_see_six_recommendations_with_reason_distance_and_link(
    client, offers
):
    homepage_flag_set(50)

    for user in users_in(TREATMENT, 3):
        page = home_for(client, user)
        assert SECTION in page and "Recommended for you" in page
        section = page.split(SECTION)[1].split("</section>")[0]
        assert section.count('class="recommended__reason"') == 6
        assert section.count("km from home") == 6
        assert f'id="recommended-{offers[0].pk}"' in section
        assert f'id="recommended-{offers[7].pk}"' not in section
        assert section.count('href="/r/') == 6


def test_control_users_never_see_the_section(client, offers):
    homepage_flag_set(50)

    for user in users_in(CONTROL, 3):
        page = home_for(client, user)
        assert SECTION not in page
        assert "Pick 0" in page  # today's listing, unchanged


def test_the_kill_switch_hides_the_section_for_treatment_users(client, offers):
    homepage_flag_set(0, everyone=True)
    user = UserFactory()

    with override_switch(KILL_SWITCH, active=True):
        assert SECTION not in home_for(client, user)
    with override_switch(KILL_SWITCH, active=False):
        assert SECTION in home_for(client, user)


def test_anonymous_visitors_follow_the_cookie_and_get_a_non_personalised_section(client, offers):
    homepage_flag_set(50)

    client.cookies["dwf_homepage_recommendations"] = "True"
    treated = client.get("/").content.decode()
    client.cookies["dwf_homepage_recommendations"] = "False"
    control = client.get("/").content.decode()

    assert SECTION in treated and "Popular picks" in treated
    assert "Recommended for you" not in treated
    assert SECTION not in control


def test_a_new_anonymous_visitor_gets_a_sticky_cookie(client, offers):
    homepage_flag_set(50)

    response = client.get("/")

    assert response.cookies["dwf_homepage_recommendations"].value in {"True", "False"}
