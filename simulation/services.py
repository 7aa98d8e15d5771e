"""Writing a simulation's results, and turning them into the series `--json` prints."""

from dataclasses import asdict

from django.db import transaction

from simulation.loop import DayReport, SimulationResult
from simulation.models import RetrainingDecision, SimulatedDay, SimulationRun
from simulation.recovery import drift_recovery, drift_recovery_as_json


def day_series(*, report: DayReport, strategies: dict[str, str]) -> dict:
    """One day's figures as plain values (the `--json` shape)."""
    return {
        "day": report.day,
        "date": report.date.isoformat(),
        "drifted": report.drifted,
        "model_version": report.model_version,
        "retraining": report.retraining,
        "scheduled": report.scheduled,
        "offers_published": report.published,
        "offers_bookable": report.bookable,
        "variants": {
            variant: {
                "strategy": strategies.get(variant, ""),
                "users": figures.users,
                "bookings": figures.bookings,
                "bookings_per_user": round(figures.bookings_per_user, 6),
                "active_users": figures.window.active_users,
                "multi_category_users": figures.window.multi_category_users,
                "north_star": figures.window.north_star,
                "week_north_star": figures.week.north_star,
            }
            for variant, figures in report.variants.items()
        },
    }


def result_series(*, result: SimulationResult) -> dict:
    settings = result.settings
    return {
        "settings": {
            "days": settings.days,
            "users": settings.users,
            "seed": settings.seed,
            "drift_at": settings.drift_at,
            "frozen_from": settings.frozen_from,
            "drifts": [asdict(drift) for drift in settings.drifts],
            "strategies": settings.strategies,
            "start": settings.start.isoformat(),
        },
        "days": [day_series(report=r, strategies=settings.strategies) for r in result.days],
        "last_30_days": result.comparison,
        "drift_recovery": drift_recovery_as_json(
            drift_recovery(days=result.days, drift_at=settings.drift_at)
        ),
    }


@transaction.atomic
def simulation_result_store(*, result: SimulationResult) -> SimulationRun:
    """Store the run, its daily measures per variant and its retraining decisions."""
    settings = result.settings
    run = SimulationRun.objects.create(
        seed=settings.seed,
        users=settings.users,
        days=settings.days,
        drift_at=settings.drift_at,
        frozen_from=settings.frozen_from,
        strategies=settings.strategies,
        seconds=result.seconds,
        comparison=result.comparison,
    )
    SimulatedDay.objects.bulk_create(
        SimulatedDay(
            run=run,
            day=report.day,
            date=report.date,
            variant=variant,
            strategy=settings.strategies.get(variant, ""),
            users=figures.users,
            bookings=figures.bookings,
            active_users=figures.window.active_users,
            multi_category_users=figures.window.multi_category_users,
            model_version=report.model_version or "",
            drifted=report.drifted,
        )
        for report in result.days
        for variant, figures in report.variants.items()
    )
    RetrainingDecision.objects.bulk_create(
        RetrainingDecision(run=run, day=r.day, date=r.date, decision=r.retraining)
        for r in result.days
        if r.retraining
    )
    return run
