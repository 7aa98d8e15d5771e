"""Panels of the experiment page: one chart per metric, each variant's figure day by day
(counting the users first exposed up to that day), in the dashboard's pygal style."""

import pygal

from experiments.comparison import METRICS, MetricSpec
from experiments.formatting import difference_text, estimate_text
from experiments.report import ExperimentReport
from experiments.statistics import Estimate
from metrics.charts import DAILY_BARS_LIMIT, Panel, new_chart, render


def plotted(estimate: Estimate, unit: str) -> float | None:
    if estimate.value is None:
        return None
    return round(estimate.value * 100, 3) if unit == "share" else round(estimate.value, 4)


def metric_panel(report: ExperimentReport, spec: MetricSpec) -> Panel:
    slug = f"experiment-{spec.key.replace('_', '-')}"
    days = [point.day.isoformat() for point in report.timeline]
    chart = new_chart(
        pygal.Line,
        title=f"{spec.label}, users first exposed up to each day",
        labels=days,
        show_dots=len(days) <= DAILY_BARS_LIMIT,
        dots_size=2.5,
        y_title="%" if spec.unit == "share" else spec.label,
        value_formatter=(lambda value: f"{value:.2f} %")
        if spec.unit == "share"
        else (lambda value: f"{value:.3f}"),
    )
    for variant in report.variants:
        chart.add(
            variant,
            [plotted(point.estimates[variant][spec.key], spec.unit) for point in report.timeline],
        )
    comparison = report.comparison.metric(spec.key)
    control, treatment = report.variants
    summary = (
        f"Over the period: {control} {estimate_text(comparison.control, spec.unit)}, "
        f"{treatment} {estimate_text(comparison.treatment, spec.unit)}; "
        f"difference {difference_text(comparison.difference, spec.unit)} ({spec.test})."
    )
    return Panel(
        slug=slug,
        title=spec.label,
        svg=render(chart, slug=slug),
        summary=summary,
        columns=["Date", f"{control} [95% CI]", f"{treatment} [95% CI]"],
        rows=[
            [
                point.day.isoformat(),
                *(
                    estimate_text(point.estimates[variant][spec.key], spec.unit)
                    for variant in report.variants
                ),
            ]
            for point in report.timeline
        ],
    )


def experiment_panels(report: ExperimentReport) -> list[Panel]:
    """One panel per metric of the report, in the report's order."""
    return [metric_panel(report, spec) for spec in METRICS]
