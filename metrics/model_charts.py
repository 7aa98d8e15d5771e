"""The dashboard's model registry panels: the versions over time, with their offline and
online figures, and the timeline of retraining decisions (ADR 0029).

Server-side SVG like the other panels (ADR 0008), with a text summary and the
data as a table.
"""

import pygal
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy, ngettext

from config.local_times import local_day, local_minute
from metrics.charts import Panel, new_chart, render
from recommendations.models import ModelVersion, RetrainingDecision
from recommendations.registry.selectors import (
    model_versions_timeline,
    retraining_decisions_recent,
)

CTR_CHECK = "click_through_vs_first_days"
NO_VERSIONS = gettext_lazy("No model version is registered yet.")
NO_DECISIONS = gettext_lazy("The monitoring has not run yet.")


def figure(value) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else gettext("n/a")


def share_with_interval(figures: dict | None) -> str:
    """A rate and its interval, as the online check measured it."""
    if not figures or figures.get("recent_rate") is None:
        return gettext("n/a")
    return (
        f"{figures['recent_rate']:.2%} "
        f"[{figures['recent_rate_low']:.2%}; {figures['recent_rate_high']:.2%}]"
    )


def decision_check(decision: RetrainingDecision, name: str) -> dict | None:
    for check in decision.checks:
        if check.get("name") == name:
            return check.get("figures")
    return None


def last_online_figures(decisions: list[RetrainingDecision]) -> dict[int, dict]:
    """Per version (pk), the click-through its last monitoring run measured while champion."""
    measured = {}
    for decision in decisions:
        figures = decision_check(decision, CTR_CHECK)
        if decision.champion_id and figures and figures.get("recent_rate") is not None:
            measured[decision.champion_id] = figures
    return measured


def model_versions_panel(
    versions: list[ModelVersion], decisions: list[RetrainingDecision]
) -> Panel:
    metric = settings.MODEL_PROMOTION_METRIC
    online = last_online_figures(decisions)
    labels = [f"{local_day(version.created_at)} {version.version_id[-8:]}" for version in versions]
    chart = new_chart(
        pygal.Line,
        title=gettext(
            "Model versions: offline %(metric)s at training, click-through while champion"
        )
        % {"metric": metric},
        labels=labels,
        dots_size=4,
        y_title=metric,
    )
    chart.add(
        gettext("Offline %(metric)s (validation at training)") % {"metric": metric},
        [version.offline_metrics.get(metric) for version in versions],
    )
    click_through = [
        100 * online[version.pk]["recent_rate"] if version.pk in online else None
        for version in versions
    ]
    # pygal cannot scale a secondary axis without a single value.
    if any(value is not None for value in click_through):
        chart.add(gettext("Online click-through, % (last measured)"), click_through, secondary=True)
    champion = next((v for v in versions if v.status == ModelVersion.Status.CHAMPION), None)
    summary = str(NO_VERSIONS)
    if versions and champion:
        summary = ngettext(
            "%(count)d version; champion: %(version)s, promoted %(when)s by %(actor)s.",
            "%(count)d versions; champion: %(version)s, promoted %(when)s by %(actor)s.",
            len(versions),
        ) % {
            "count": len(versions),
            "version": champion.version_id,
            "when": local_minute(champion.promoted_at),
            "actor": champion.promoted_by,
        }
    elif versions:
        summary = ngettext(
            "%(count)d version; champion: none (the ml strategy answers with geo).",
            "%(count)d versions; champion: none (the ml strategy answers with geo).",
            len(versions),
        ) % {"count": len(versions)}
    return Panel(
        slug="model-versions",
        title=gettext("Model versions"),
        svg=render(chart, slug="model-versions"),
        summary=summary,
        columns=[
            gettext("Version"),
            gettext("Status"),
            gettext("Trained on"),
            gettext("Rows"),
            gettext("Offline %(metric)s") % {"metric": metric},
            gettext("Online click-through [interval]"),
            gettext("Promoted"),
            gettext("Retired, why"),
        ],
        rows=[
            [
                version.version_id,
                version.status,
                gettext("%(start)s to %(end)s")
                % {
                    "start": local_day(version.trained_since),
                    "end": local_day(version.trained_until),
                }
                if version.trained_since and version.trained_until
                else gettext("n/a"),
                str(version.training_rows),
                figure(version.offline_metrics.get(metric)),
                share_with_interval(online.get(version.pk)),
                gettext("%(when)s by %(actor)s")
                % {"when": local_minute(version.promoted_at), "actor": version.promoted_by}
                if version.promoted_at
                else "",
                version.retirement_reason,
            ]
            for version in versions
        ],
    )


def retraining_decisions_panel(decisions: list[RetrainingDecision]) -> Panel:
    metric = settings.MODEL_PROMOTION_METRIC
    chart = new_chart(
        pygal.Line,
        title=gettext("Monitoring runs: held-out %(metric)s of champion and challenger")
        % {"metric": metric},
        labels=[local_minute(decision.created_at) for decision in decisions],
        dots_size=4,
        y_title=metric,
    )
    chart.add(
        gettext("Champion, held-out %(metric)s") % {"metric": metric},
        [decision.champion_metrics.get(metric) for decision in decisions],
    )
    chart.add(
        gettext("Challenger, held-out %(metric)s") % {"metric": metric},
        [decision.challenger_metrics.get(metric) for decision in decisions],
    )
    latest = decisions[-1] if decisions else None
    summary = (
        gettext("Last run %(when)s: %(verdict)s (%(fired)s). %(reason)s")
        % {
            "when": local_minute(latest.created_at),
            "verdict": latest.get_verdict_display(),
            "fired": ", ".join(latest.fired) or gettext("no check fired"),
            "reason": latest.reason,
        }
        if latest
        else str(NO_DECISIONS)
    )
    return Panel(
        slug="retraining-decisions",
        title=gettext("Retraining decisions"),
        svg=render(chart, slug="retraining-decisions"),
        summary=summary,
        columns=[
            gettext("When"),
            gettext("Checks fired"),
            gettext("Verdict"),
            gettext("Champion"),
            gettext("Champion %(metric)s") % {"metric": metric},
            gettext("Challenger"),
            gettext("Challenger %(metric)s") % {"metric": metric},
            gettext("Champion click-through [interval]"),
            gettext("Why"),
        ],
        rows=[
            [
                local_minute(decision.created_at),
                ", ".join(decision.fired) or gettext("none"),
                decision.get_verdict_display(),
                decision.champion.version_id if decision.champion else "",
                figure(decision.champion_metrics.get(metric)),
                decision.challenger.version_id if decision.challenger else "",
                figure(decision.challenger_metrics.get(metric)),
                share_with_interval(decision_check(decision, CTR_CHECK)),
                decision.reason,
            ]
            for decision in reversed(decisions)
        ],
    )


def model_registry_panels() -> list[Panel]:
    versions = model_versions_timeline()
    decisions = retraining_decisions_recent()
    return [model_versions_panel(versions, decisions), retraining_decisions_panel(decisions)]
