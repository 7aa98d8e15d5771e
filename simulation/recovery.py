"""How far each variant fell after the drift, and whether it came back in time.

Issue 11 asks that after a drift "the metric recovers to at least 90 % of its
pre-drift level within 14 simulated days". The dashboard's north star is a
30-day window: two weeks after a drift half of it is still the days before, so
it barely moves whatever happens (ADR 0031). Recovery is therefore read on
weekly means that hold only drifted days: the level is the mean of the week
before the drift; a variant has recovered on the last day of the first
7-day window, wholly after the drift and ending within the 14 days, whose
figure is at least RECOVERY_SHARE of that level and that comes after every
week under it (a good first week followed by a fall is no recovery). Two figures are read: the
mean of bookings a day over the week, and the north star over the week (the
dashboard's definition on a 7-day window).
"""

from dataclasses import asdict, dataclass

from simulation.loop import WEEK_DAYS, DayReport

RECOVERY_SHARE = 0.9
RECOVERY_DAYS = 14


@dataclass(frozen=True)
class SeriesRecovery:
    before: float | None  # the week before the drift
    lowest: float | None  # the lowest drifted week ending within the 14 days
    second_week: float | None  # days drift + 7 to drift + 13
    recovered_on: int | None  # the day a drifted week reached the share after the fall; None: never

    @property
    def fell(self) -> bool | None:
        """Whether a drifted week went under the share of the level (None: not judged)."""
        if not self.before or self.lowest is None:
            return None
        return self.lowest < RECOVERY_SHARE * self.before

    @property
    def second_week_share(self) -> float | None:
        if self.before and self.second_week is not None:
            return self.second_week / self.before
        return None


def weekly_means(values: dict[int, float]) -> dict[int, float]:
    """Day → the mean of the 7 days ending on it, for the days that have 7 behind them."""
    return {
        last: sum(values[day] for day in range(last - WEEK_DAYS + 1, last + 1)) / WEEK_DAYS
        for last in values
        if all(day in values for day in range(last - WEEK_DAYS + 1, last + 1))
    }


def series_recovery(*, weeks: dict[int, float | None], drift_at: int) -> SeriesRecovery:
    """Recovery after `drift_at` of a weekly figure, given by the last day of each week
    (None where undefined): the week ending the day before the drift is the level."""
    before = weeks.get(drift_at - 1)
    drifted = {
        last: figure
        for last in range(drift_at + WEEK_DAYS - 1, drift_at + RECOVERY_DAYS)
        if (figure := weeks.get(last)) is not None
    }
    recovered_on = None
    if before:
        threshold = RECOVERY_SHARE * before
        # A week that held the share before a later one fell under it is no recovery.
        first_fall = next((last for last, figure in drifted.items() if figure < threshold), None)
        recovered_on = next(
            (
                last
                for last, figure in drifted.items()
                if figure >= threshold and (first_fall is None or last > first_fall)
            ),
            None,
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
        # Each day's north star is already that of the week ending on it.
        north_star = {report.day: report.variants[variant].week.north_star for report in days}
        recovery[variant] = {
            "bookings_per_day": series_recovery(weeks=weekly_means(bookings), drift_at=drift_at),
            "week_north_star": series_recovery(weeks=north_star, drift_at=drift_at),
        }
    return recovery


def drift_recovery_as_json(recovery: dict | None) -> dict | None:
    if recovery is None:
        return None
    return {
        variant: {
            name: asdict(figures)
            | {"fell": figures.fell, "second_week_share": figures.second_week_share}
            for name, figures in series.items()
        }
        for variant, series in recovery.items()
    }
