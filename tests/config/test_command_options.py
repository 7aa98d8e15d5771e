"""The commands' shared option checks: one line naming the option and what it takes."""

from datetime import date

import pytest
from django.core.management import CommandError

from config.command_options import SEED_MAX, date_option, int_option, seed_option

NEW_YEAR, SUMMER = date(2026, 1, 1), date(2026, 6, 30)


def refusal(check, *args, **kwargs) -> str:
    with pytest.raises(CommandError) as refused:
        check(*args, **kwargs)
    return str(refused.value)


def test_a_date_within_its_bounds_is_given_back_bounds_included():
    assert date_option("2026-01-01", option="--from", earliest=NEW_YEAR) == NEW_YEAR
    assert date_option("2026-06-30", option="--to", latest=SUMMER) == SUMMER
    assert date_option("0001-01-01", option="--since") == date.min


@pytest.mark.parametrize(
    ("text", "bounds", "message"),
    [
        ("31/12/2026", {}, "Invalid --day '31/12/2026': expected a date as YYYY-MM-DD."),
        ("2026-02-30", {}, "Invalid --day '2026-02-30': expected a date as YYYY-MM-DD."),
        (
            "9999-12-31",
            {"latest": SUMMER},
            "Invalid --day 9999-12-31: expected a date on or before 2026-06-30.",
        ),
        (
            "2025-12-31",
            {"earliest": NEW_YEAR},
            "Invalid --day 2025-12-31: expected a date on or after 2026-01-01.",
        ),
        (
            "2026-07-01",
            {"earliest": NEW_YEAR, "latest": SUMMER},
            "Invalid --day 2026-07-01: expected a date from 2026-01-01 to 2026-06-30.",
        ),
    ],
)
def test_a_bad_date_is_one_line_naming_the_option_and_what_it_takes(text, bounds, message):
    assert refusal(date_option, text, option="--day", **bounds) == message


def test_an_integer_outside_its_bounds_is_refused_and_one_within_given_back():
    assert int_option(3, option="--users", low=1, high=3) == 3
    assert refusal(int_option, 0, option="--users", low=1, high=3) == (
        "--users must be between 1 and 3."
    )
    assert refusal(int_option, 10**30, option="--users", low=1, high=3) == (
        "--users must be between 1 and 3."
    )


def test_a_seed_fits_every_generator_and_an_integer_column():
    assert seed_option(SEED_MAX) == SEED_MAX == 2**31 - 1
    assert refusal(seed_option, -1) == f"--seed must be between 0 and {SEED_MAX}."
    assert refusal(seed_option, SEED_MAX + 1) == f"--seed must be between 0 and {SEED_MAX}."
