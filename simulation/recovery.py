"""How far each variant fell after the taste drift, and whether it came back in time.

Issue 11 asks that after a drift "the metric recovers to at least 90 % of its
pre-drift level within 14 simulated days". The dashboard's north star is a
30-day window: two weeks after a drift half of it is still the days before, so
it barely moves whatever happens (ADR 0031). Recovery is therefore read on
weekly means that hold only drifted days: the level is the mean of the week
before the drift; a variant has recovered on the last day of the first
7-day window, wholly after the drift and ending within the 14 days, whose
mean is at least RECOVERY_SHARE of that level. Two series are read: bookings
a day, and the north star over the last 7 days (the dashboard's definition on
a week's window).
"""

from dataclasses import asdict, dataclass

from simulation.loop import WEEK_DAYS, DayReport

RECOVERY_SHARE = 0.9
RECOVERY_DAYS = 14


@dataclass(frozen=True)
class SeriesRecovery:
    before: float | None  # the mean of the week before the drift
    lowest: float | None  # the lowest mean of a drifted week ending within the 14 days
    second_week: float | None  # the mean of days drift + 7 to drift + 13
    recovered_on: int | None  # the day the first drifted week reached the share; None: never

    @property
    def second_week_share(self) -> float | None:
        if self.before and self.second_week is not None:
            return self.second_week / self.before
        return None


def series_recovery(*, values: dict[int, float | None], drift_at: int) -> SeriesRecovery:
    """Recovery of one daily series (day → value; None where undefined) after `drift_at`."""

    def week_mean(last: int) -> float | None:
        week = [values.get(day) for day in range(last - WEEK_DAYS + 1, last + 1)]
        if any(value is None for value in week):
            return None
        return sum(week) / WEEK_DAYS

    before = week_mean(drift_at - 1)
    drifted = {
        last: mean
        for last in range(drift_at + WEEK_DAYS - 1, drift_at + RECOVERY_DAYS)
        if (mean := week_mean(last)) is not None
    }
    recovered_on = None
    if before:
        recovered_on = next(
            (last for last, mean in drifted.items() if mean >= RECOVERY_SHARE * before), None
        )
    return SeriesRecovery(
        before=before,
        lowest=min(drifted.values()) if drifted else None,
        second_week=drifted.get(drift_at + RECOVERY_DAYS - 1),
        recovered_on=recovered_on,
    )


def drift_recovery(*, days: list[DayReport], drift_at: int | None) -> dict | None:
    """Per variant, the recovery of bookings a day and of the week's north star; None
    without a drift."""
    if drift_at is None or not days:
        return None
    variants = days[0].variants
    recovery = {}
    for variant in variants:
        bookings = {report.day: float(report.variants[variant].bookings) for report in days}
        north_star = {report.day: report.variants[variant].week.north_star for report in days}
        recovery[variant] = {
            "bookings_per_day": series_recovery(values=bookings, drift_at=drift_at),
            "week_north_star": series_recovery(values=north_star, drift_at=drift_at),
        }
    return recovery


def drift_recovery_as_json(recovery: dict | None) -> dict | None:
    if recovery is None:
        return None
    return {
        variant: {
            name: asdict(figures) | {"second_week_share": figures.second_week_share}
            for name, figures in series.items()
        }
        for variant, series in recovery.items()
    }
