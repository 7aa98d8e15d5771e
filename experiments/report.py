"""The experiment report of a canary flag over a period: per-variant figures with their
intervals, the differences, the sample-ratio check, the verdict and the figures
day by day for the charts (issue 9, ADRs 0021 and 0022)."""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from experiments.assignment import CONTROL, TREATMENT, FlagAudience, shopper_ids_by_variant
from experiments.comparison import ArmData, Comparison, arm_estimates, arms_compare
from experiments.selectors import (
    UserFigures,
    assignable_users,
    exposed_user_figures,
    period_bounds,
)
from experiments.statistics import Estimate
from marketplace.models import UserBucketFlag


class ExperimentReportError(Exception):
    """The report cannot be made as asked (unknown flag, empty period); the message says why."""


@dataclass(frozen=True)
class TimelinePoint:
    """The figures of each variant counting the users first exposed up to `day`."""

    day: date
    estimates: dict[str, dict[str, Estimate]]  # variant -> metric key -> estimate


@dataclass(frozen=True)
class ExperimentReport:
    flag: str
    percent: float
    date_from: date
    date_to: date
    north_star_window_days: int
    users_assigned: dict[str, int]
    comparison: Comparison
    timeline: list[TimelinePoint]
    # What the figures cannot show of the flag's audience, in the active language.
    audience_notes: tuple[str, ...] = ()

    @property
    def variants(self) -> tuple[str, str]:
        return CONTROL, TREATMENT

    def as_dict(self) -> dict:
        """Plain values for JSON (dates as ISO strings)."""
        data = asdict(self)
        data["date_from"] = self.date_from.isoformat()
        data["date_to"] = self.date_to.isoformat()
        data["comparison"]["sample_ratio"]["mismatch"] = self.comparison.sample_ratio.mismatch
        for metric in data["comparison"]["metrics"]:
            metric["difference"]["significant"] = metric["difference"]["p_value"] is not None and (
                metric["difference"]["p_value"] < 0.05
            )
        for point in data["timeline"]:
            point["day"] = point["day"].isoformat()
        return data


def arm_build(*, figures: list[UserFigures], users_assigned: int) -> ArmData:
    return ArmData(
        users_assigned=users_assigned,
        first_exposure_days=np.array(
            [timezone.localdate(user.first_exposure) for user in figures], dtype="datetime64[D]"
        ),
        impressions=np.array([user.impressions for user in figures], dtype=int),
        clicks=np.array([user.clicks for user in figures], dtype=int),
        bookings=np.array([user.bookings for user in figures], dtype=int),
        attributed_bookings=np.array([user.attributed_bookings for user in figures], dtype=int),
        north_star=np.array([user.categories_booked >= 2 for user in figures], dtype=bool),
    )


def audience_notes_write(audience: FlagAudience) -> tuple[str, ...]:
    """The flag's settings that waffle applies request by request (ADR 0017), in words:
    they reach anonymous visitors only, whom the report leaves out, so the report's
    signed-in users were served exactly as it counts them, but the flag's whole
    audience is not what the report shows."""
    notes = []
    if "testing" in audience.request_settings:
        notes.append(
            gettext(
                "Testing mode is on: a request can choose its variant with the flag's "
                "dwft_ query parameter, header or cookie. Only anonymous visitors, whom "
                "this report leaves out, can switch so; signed-in users keep their "
                "assigned variant."
            )
        )
    if "languages" in audience.request_settings:
        notes.append(
            gettext(
                "The flag's languages name %(languages)s but not every language of the "
                "site: anonymous visitors browsing in them, whom this report leaves out, "
                "are in treatment; signed-in users keep their assigned variant in every "
                "language."
            )
            % {"languages": ", ".join(sorted(audience.languages))}
        )
    return tuple(notes)


def experiment_report_build(
    *,
    flag_name: str,
    date_from: date | None = None,
    date_to: date | None = None,
    longest_days: int | None = None,
) -> ExperimentReport:
    """The report of `flag_name` over [date_from, date_to] (default: since the flag
    was created, until today; with `longest_days`, the default start is at most that many
    days before the end, both included, since the timeline draws one point per day).
    Users are split as the flag serves them: its explicit settings, then the hash of
    their id."""
    flag = UserBucketFlag.objects.filter(name=flag_name).first()
    if flag is None:
        raise ExperimentReportError(f"No flag named {flag_name!r}.")
    date_to = date_to or timezone.localdate()
    if date_from is None:
        date_from = timezone.localdate(flag.created)
        if longest_days is not None:
            date_from = max(date_from, date_to - timedelta(days=longest_days - 1))
    if date_from > date_to:
        raise ExperimentReportError(f"The period starts ({date_from}) after it ends ({date_to}).")
    start, end = period_bounds(date_from=date_from, date_to=date_to)
    audience = FlagAudience.of(flag)
    groups = shopper_ids_by_variant(audience=audience, shoppers=assignable_users(until=end))
    figures = exposed_user_figures(start=start, end=end)
    arms = {
        variant: arm_build(
            figures=[figures[user_id] for user_id in sorted(user_ids & figures.keys())],
            users_assigned=len(user_ids),
        )
        for variant, user_ids in groups.items()
    }
    control, treatment = CONTROL, TREATMENT
    percent = float(flag.percent or 0)
    last_day = min(date_to, timezone.localdate())
    days = [date_from + timedelta(days=n) for n in range((last_day - date_from).days + 1)]
    return ExperimentReport(
        flag=flag.name,
        percent=percent,
        date_from=date_from,
        date_to=date_to,
        north_star_window_days=settings.EXPERIMENT_NORTH_STAR_WINDOW_DAYS,
        users_assigned={variant: len(user_ids) for variant, user_ids in groups.items()},
        comparison=arms_compare(
            control=arms[control],
            treatment=arms[treatment],
            treatment_share=assigned_treatment_share(groups=groups, percent=percent),
        ),
        timeline=[
            TimelinePoint(
                day=day,
                estimates={
                    variant: arm_estimates(arm.until(np.datetime64(day, "D")))
                    for variant, arm in arms.items()
                },
            )
            for day in days
        ],
        audience_notes=audience_notes_write(audience),
    )


def assigned_treatment_share(*, groups: dict[str, set[int]], percent: float) -> float:
    """The share of shoppers the flag assigns to treatment: the split the sample-ratio
    check expects of the exposed. It is the flag's percentage for a plain hash split,
    but users, groups or superusers forced into treatment move it, and checking against
    the percentage would then call a faithful split a mismatch."""
    assigned = sum(len(user_ids) for user_ids in groups.values())
    if not assigned:
        return percent / 100
    return len(groups[TREATMENT]) / assigned
