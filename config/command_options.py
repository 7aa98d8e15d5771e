"""Checks of management commands' options, shared by every app's commands.

A value out of bounds ends the command with a CommandError: one line on stderr and
exit status 1, never a traceback (ADR 0014). Each command chooses its bounds (which
dates and sizes make sense is its own business); these functions refuse the rest in
the same words everywhere, before the command does any work.
"""

from datetime import date

from django.core.management.base import CommandError

# The largest seed every consumer takes: it fits an IntegerField on any database
# (SimulationRun.seed), numpy's SeedSequence takes any non-negative integer and
# scikit-learn's random_state at most 2**32 - 1.
SEED_MAX = 2**31 - 1


def date_option(
    text: str, *, option: str, earliest: date | None = None, latest: date | None = None
) -> date:
    """The date `text` (YYYY-MM-DD) given to `option`, within [earliest, latest] when given."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Invalid {option} {text!r}: expected a date as YYYY-MM-DD.") from None
    too_early = earliest is not None and day < earliest
    too_late = latest is not None and day > latest
    if too_early or too_late:
        if earliest is None:
            expected = f"on or before {latest.isoformat()}"
        elif latest is None:
            expected = f"on or after {earliest.isoformat()}"
        else:
            expected = f"from {earliest.isoformat()} to {latest.isoformat()}"
        raise CommandError(f"Invalid {option} {day.isoformat()}: expected a date {expected}.")
    return day


def int_option(value: int, *, option: str, low: int, high: int) -> int:
    """`value` given to `option`, refused outside [low, high]."""
    if not low <= value <= high:
        raise CommandError(f"{option} must be between {low} and {high}.")
    return value


def seed_option(value: int, *, option: str = "--seed") -> int:
    """A seed of the commands' random generators: 0 to SEED_MAX."""
    return int_option(value, option=option, low=0, high=SEED_MAX)
