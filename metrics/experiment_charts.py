"""Panels of the experiment page: one chart per metric, each variant's figure day by day
(counting the users first exposed up to that day), in the dashboard's pygal style."""

import pygal
from django.utils.translation import gettext, pgettext

from experiments.assignment import CONTROL, TREATMENT
from experiments.comparison import METRICS, MetricSpec
from experiments.formatting import difference_text, estimate_text
from experiments.report import ExperimentReport
from experiments.statistics import Estimate
from metrics.charts import DAILY_BARS_LIMIT, Panel, new_chart, render


def plotted(estimate: Estimate, unit: str) -> float | None:
    if estimate.value is None:
        return None
    return round(estimate.value * 100, 3) if unit == "share" else round(estimate.value, 4)


def variant_label(variant: str) -> str:
    """The variant as the page's sentences name it ("témoin", "traitement" in French)."""
    if variant == CONTROL:
        return pgettext("experiment variant", "control")
    if variant == TREATMENT:
        return pgettext("experiment variant", "treatment")
    return variant


def metric_panel(report: ExperimentReport, spec: MetricSpec) -> Panel:
    slug = f"experiment-{spec.key.replace('_', '-')}"
    days = [point.day.isoformat() for point in report.timeline]
    chart = new_chart(
        pygal.Line,
        title=gettext("%(metric)s, users first exposed up to each day") % {"metric": spec.label},
        labels=days,
        show_dots=len(days) <= DAILY_BARS_LIMIT,
        dots_size=2.5,
        y_title="%" if spec.unit == "share" else str(spec.label),
        value_formatter=(lambda value: f"{value:.2f} %")
        if spec.unit == "share"
        else (lambda value: f"{value:.3f}"),
    )
    for variant in report.variants:
        chart.add(
            variant_label(variant),
            [plotted(point.estimates[variant][spec.key], spec.unit) for point in report.timeline],
        )
    comparison = report.comparison.metric(spec.key)
    control, treatment = report.variants
    summary = gettext(
        "Over the period: %(control)s %(control_figure)s, %(treatment)s %(treatment_figure)s; "
        "difference %(difference)s (%(test)s)."
    ) % {
        "control": variant_label(control),
        "control_figure": estimate_text(comparison.control, spec.unit),
        "treatment": variant_label(treatment),
        "treatment_figure": estimate_text(comparison.treatment, spec.unit),
        "difference": difference_text(comparison.difference, spec.unit),
        "test": spec.test,
    }
    return Panel(
        slug=slug,
        title=str(spec.label),
        svg=render(chart, slug=slug),
        summary=summary,
        columns=[
            gettext("Date"),
            gettext("%(variant)s [95%% CI]") % {"variant": variant_label(control)},
            gettext("%(variant)s [95%% CI]") % {"variant": variant_label(treatment)},
        ],
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
