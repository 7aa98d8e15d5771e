"""config.reversing: the remembered reversal answers exactly what `reverse` answers."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from config.reversing import reverse_one_argument


@pytest.fixture
def script_prefix():
    yield
    set_script_prefix("/")


@pytest.mark.parametrize(
    ("viewname", "argument"),
    [
        ("storefront:offer_detail", 42),
        ("storefront:offer_detail", "7"),
        ("experiments:click", "2.1a.3.4.-.0123abcd:sig-_nature"),
        # Characters reverse() quotes or that a route may refuse: passed on to reverse().
        ("experiments:click", "with space é"),
        ("newsletter:unsubscribe", "token:with~tilde"),
    ],
)
def test_the_answer_is_reverses_answer(viewname, argument):
    assert reverse_one_argument(viewname, argument) == reverse(viewname, args=[argument])


def test_an_argument_the_route_refuses_still_raises():
    with pytest.raises(NoReverseMatch):
        reverse_one_argument("storefront:offer_detail", "not-a-number")
    with pytest.raises(NoReverseMatch):
        reverse_one_argument("experiments:click", "a/b")


def test_a_new_script_prefix_gives_prefixed_urls(script_prefix):
    reverse_one_argument("storefront:offer_detail", 1)  # remembered under "/"
    set_script_prefix("/shop/")

    assert reverse_one_argument("storefront:offer_detail", 1) == "/shop/offers/1/"
    assert reverse_one_argument("storefront:offer_detail", 1) == reverse(
        "storefront:offer_detail", args=[1]
    )
