"""The day-by-day loop of a simulation: night work, visits, bookings, measures.

Each simulated day, on the simulated clock (Europe/Paris):
- 04:00, the scheduled work as beat would run it (nightly metrics, …), then the
  night's monitoring and retraining decision, then the venues' new offers
  (simulation.supply), then the homepage lists of the day precomputed for
  every user who will visit;
- on the drift day, tastes or choice weights change before anyone visits;
- 10:00 on Thursdays, the weekly newsletter goes out and some readers open it;
- 18:00, the visits: each visitor sees what the site serves them, may browse,
  and books at most one offer;
- the day ends with the north star of each variant over the last 30 days.

Every random draw comes from streams derived from the seed, in a fixed order,
so the same settings give the same run.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import numpy as np
import time_machine
from django.utils import timezone

from marketplace.models import Booking
from simulation.behaviour import (
    DEFAULT_DRIFTS,
    BehaviourDrift,
    Population,
    TasteDrift,
    population_drift,
)
from simulation.measures import VariantWindow, variant_windows
from simulation.offers import offer_shelf_read
from simulation.seams import (
    LEARNED_STRATEGY,
    canary_flag_ensure,
    experiment_comparison,
    homepage_lists_precompute,
    homepage_lists_serve,
    homepage_lists_show,
    learned_snapshot_refresh,
    model_bootstrap,
    newsletter_weekly_send,
    retraining_decision,
    scheduled_work_run,
    serving_model_version,
    variant_assign,
    variant_strategies_use,
)
from simulation.sessions import NewsletterOpened, Session, SessionOutcome, session_live
from simulation.supply import Publication, living_catalogue_start, offers_publish_nightly
from simulation.world import HISTORY_MONTHS, catalogue_size, world_create

PARIS = ZoneInfo("Europe/Paris")
# A fixed first day, so that a seed gives the same run whatever the real date.
SIMULATION_START = date(2026, 3, 2)
NEWSLETTER_WEEKDAY = 3  # Thursday, as the weekly schedule
NEWSLETTER_OPEN_RATE = 0.25
VARIANTS = ("control", "treatment")
COMPARISON_DAYS = 30
WEEK_DAYS = 7


@dataclass(frozen=True)
class SimulationSettings:
    days: int
    users: int
    strategies: dict[str, str]  # variant → strategy name
    seed: int = 1
    drift_at: int | None = None
    drifts: tuple[TasteDrift | BehaviourDrift, ...] = DEFAULT_DRIFTS
    treatment_percent: float = 50.0
    start: date = SIMULATION_START
    # Days lived before day 0 when a variant serves the learned ranker (see warmup_days_for).
    warmup_days: int = 14
    # From this day on the nightly monitoring and retraining does not run: the champion of
    # that night keeps serving, over bookings still re-read every night. The counterfactual
    # of a drift's run, to read what the retraining added (ADR 0031).
    frozen_from: int | None = None


@dataclass(frozen=True)
class VariantDay:
    users: int
    bookings: int
    window: VariantWindow  # the dashboard's 30 days
    # The last WEEK_DAYS only: a change of behaviour shows there within days, when the
    # 30-day window is still mostly made of the days before it (ADR 0031).
    week: VariantWindow

    @property
    def bookings_per_user(self) -> float:
        return self.bookings / self.users if self.users else 0.0


@dataclass(frozen=True)
class DayReport:
    day: int
    date: date
    variants: dict[str, VariantDay]
    model_version: str | None
    retraining: dict | None
    scheduled: list[str]
    drifted: bool
    published: int  # offers the venues published that night
    bookable: int  # offers bookable once they were


@dataclass
class SimulationResult:
    settings: SimulationSettings
    days: list[DayReport] = field(default_factory=list)
    # The experiment report's verdict over the last COMPARISON_DAYS days.
    comparison: dict | None = None
    seconds: float = 0.0
    # Every session, kept only when asked (tests check what was seen against what was booked),
    # and the database id of each person (row) the sessions name.
    sessions: list[tuple[int, SessionOutcome]] = field(default_factory=list)
    population_user_ids: np.ndarray | None = None


def local_time(day: date, hour: int) -> datetime:
    return datetime.combine(day, clock_time(hour), tzinfo=PARIS)


def streams_for(seed: int) -> dict[str, np.random.Generator]:
    names = ("population", "visits", "sessions", "supply")
    sequences = np.random.SeedSequence([seed, 31]).spawn(len(names))
    return {name: np.random.default_rng(s) for name, s in zip(names, sequences, strict=True)}


def booked_offers_by_person(*, population: Population) -> list[set[int]]:
    """Each person's live bookings (the seeded history), so nobody books an offer twice."""
    row_of = {int(u): row for row, u in enumerate(population.user_ids.tolist())}
    booked: list[set[int]] = [set() for _ in range(len(population))]
    for user_id, offer_id in Booking.objects.live().values_list("user_id", "offer_id"):
        if user_id in row_of:
            booked[row_of[user_id]].add(offer_id)
    return booked


def warmup_days_for(*, settings: SimulationSettings) -> int:
    """Days the shoppers live before day 0, every one served the control's strategy, when a
    variant serves the learned ranker: its first model learns from these simulated bookings.

    Trained on the seeded history instead, the model's input statistics would
    describe the demo generator's shoppers, not the simulated ones (who book
    more digital offers, at other prices), and the drift checks would fire
    every night of a healthy run.
    """
    return settings.warmup_days if LEARNED_STRATEGY in settings.strategies.values() else 0


def simulation_run(
    *,
    settings: SimulationSettings,
    on_day: Callable[[DayReport], None] | None = None,
    keep_sessions: bool = False,
    progress: bool = False,
) -> SimulationResult:
    """Seed the world on the current database and run it for `settings.days` days
    (after the warm-up days, when there are any)."""
    began = time.perf_counter()
    streams = streams_for(settings.seed)
    result = SimulationResult(settings=settings)
    warmup = warmup_days_for(settings=settings)
    seeded_on = settings.start - timedelta(days=warmup)
    with time_machine.travel(local_time(seeded_on, 3), tick=False) as clock:
        world = world_create(
            users=settings.users,
            seed=settings.seed,
            start=seeded_on,
            rng=streams["population"],
            progress=progress,
        )
        population = world.population
        result.population_user_ids = population.user_ids
        flag = canary_flag_ensure(treatment_percent=settings.treatment_percent)
        variant_of_user = variant_assign(flag=flag, user_ids=population.user_ids.tolist())
        booked = booked_offers_by_person(population=population)
        catalogue = living_catalogue_start(
            seed=settings.seed,
            offers=catalogue_size(users=settings.users),
            months=HISTORY_MONTHS,
            start=seeded_on,
            rng=streams["supply"],
        )
        control_only = dict.fromkeys(VARIANTS, settings.strategies["control"])
        with variant_strategies_use(strategies=control_only):
            for today in (seeded_on + timedelta(days=day) for day in range(warmup)):
                clock.move_to(local_time(today, 4))
                scheduled_work_run(today=today)
                offers_publish_nightly(catalogue=catalogue, today=today)
                day_sessions_run(
                    today=today, clock=clock, population=population,
                    variant_of_user=variant_of_user, booked=booked, streams=streams, kept=None,
                )  # fmt: skip
        clock.move_to(local_time(settings.start, 3))
        with variant_strategies_use(strategies=settings.strategies):
            model_bootstrap(
                strategies=settings.strategies,
                since=local_time(seeded_on, 0)
                if warmup
                else timezone.now() - timedelta(days=world.history_days),
            )
            for day in range(settings.days):
                today = settings.start + timedelta(days=day)
                clock.move_to(local_time(today, 4))
                scheduled = scheduled_work_run(today=today)
                if settings.frozen_from is not None and day >= settings.frozen_from:
                    retraining = None
                    learned_snapshot_refresh()
                else:
                    retraining = retraining_decision(strategies=settings.strategies)
                publication = offers_publish_nightly(catalogue=catalogue, today=today)
                drifted = settings.drift_at is not None and day == settings.drift_at
                if drifted:
                    population = population_drift(population=population, drifts=settings.drifts)
                bookings = day_sessions_run(
                    today=today,
                    clock=clock,
                    population=population,
                    variant_of_user=variant_of_user,
                    booked=booked,
                    streams=streams,
                    kept=(lambda outcome, day=day: result.sessions.append((day, outcome)))
                    if keep_sessions
                    else None,
                )
                report = day_report(
                    day=day,
                    today=today,
                    variant_of_user=variant_of_user,
                    bookings=bookings,
                    retraining=retraining,
                    scheduled=scheduled,
                    drifted=drifted,
                    publication=publication,
                )
                result.days.append(report)
                if on_day:
                    on_day(report)
            if result.days:
                last = result.days[-1].date
                result.comparison = experiment_comparison(
                    date_from=max(settings.start, last - timedelta(days=COMPARISON_DAYS - 1)),
                    date_to=last,
                )
    result.seconds = time.perf_counter() - began
    return result


def day_sessions_run(
    *,
    today: date,
    clock,
    population: Population,
    variant_of_user: dict[int, str],
    booked: list[set[int]],
    streams: dict[str, np.random.Generator],
    kept: Callable[[SessionOutcome], None] | None,
) -> dict[str, int]:
    """The visits of one day (the clock is at the night's end); returns bookings per variant."""
    visits = streams["visits"]
    visitors = np.flatnonzero(visits.random(len(population)) < population.visit_rate)
    user_ids = population.user_ids
    homepage_lists_precompute(
        variants={int(user_ids[p]): variant_of_user[int(user_ids[p])] for p in visitors}
    )
    newsletter: dict[int, NewsletterOpened] = {}
    if today.weekday() == NEWSLETTER_WEEKDAY:
        clock.move_to(local_time(today, 10))
        sent = newsletter_weekly_send()
        readers = np.flatnonzero(population.newsletter_reader)
        opened = readers[visits.random(len(readers)) < NEWSLETTER_OPEN_RATE]
        newsletter = {
            int(p): NewsletterOpened(*sent[int(user_ids[p])])
            for p in opened
            if int(user_ids[p]) in sent
        }
    clock.move_to(local_time(today, 18))
    shelf = offer_shelf_read()
    # Every visitor's homepage is served (and shown) as the evening opens; then they choose
    # one after another, each seeing the stock the earlier ones left.
    homepages = homepage_lists_serve(
        variants={int(user_ids[p]): variant_of_user[int(user_ids[p])] for p in visitors}
    )
    homepage_lists_show(recommendation_lists=homepages.values())
    visiting = set(visitors.tolist())
    bookings = dict.fromkeys(VARIANTS, 0)
    for person in visits.permutation(sorted(visiting | set(newsletter))).tolist():
        user_id = int(user_ids[person])
        outcome = session_live(
            session=Session(
                person=person,
                homepage=homepages.get(user_id) if person in visiting else None,
                newsletter=newsletter.get(person),
            ),
            population=population,
            shelf=shelf,
            booked=booked[person],
            rng=streams["sessions"],
        )
        if outcome.booked_offer_id is not None:
            bookings[variant_of_user[user_id]] += 1
        if kept is not None:
            kept(outcome)
    return bookings


def day_report(
    *,
    day: int,
    today: date,
    variant_of_user: dict[int, str],
    bookings: dict[str, int],
    retraining: dict | None,
    scheduled: list[str],
    drifted: bool,
    publication: Publication,
) -> DayReport:
    windows = variant_windows(end=today, variant_of_user=variant_of_user)
    weeks = variant_windows(end=today, variant_of_user=variant_of_user, days=WEEK_DAYS)
    nobody = VariantWindow(multi_category=np.zeros(0, dtype=bool))
    return DayReport(
        day=day,
        date=today,
        variants={
            variant: VariantDay(
                users=sum(1 for assigned in variant_of_user.values() if assigned == variant),
                bookings=bookings[variant],
                window=windows.get(variant, nobody),
                week=weeks.get(variant, nobody),
            )
            for variant in VARIANTS
        },
        model_version=serving_model_version(),
        retraining=retraining,
        scheduled=scheduled,
        drifted=drifted,
        published=publication.published,
        bookable=publication.bookable,
    )
