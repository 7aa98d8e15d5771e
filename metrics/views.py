"""The staff dashboard of stored metrics and its CSV export."""

import csv

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext

from experiments.report import ExperimentReportError, experiment_report_build
from metrics.charts import dashboard_panels
from metrics.experiment_charts import experiment_panels
from metrics.experiment_forms import ExperimentForm
from metrics.exports import metrics_csv_rows
from metrics.forms import MAX_RANGE_DAYS, DateRangeForm
from metrics.model_charts import model_registry_panels
from metrics.selectors import metrics_stored_between, north_star_headline
from recommendations.selectors import distance_cache_stats


@staff_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form = DateRangeForm.from_query(request.GET)
    context = {"form": form, "panels": [], "stored": None}
    if form.is_valid():
        stored = metrics_stored_between(
            start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
        panels = dashboard_panels(stored, distance_stats=distance_cache_stats())
        panels += model_registry_panels()
        context.update(stored=stored, panels=panels, headline=north_star_headline(stored=stored))
    return render(request, "metrics/dashboard.html", context)


@staff_member_required
def export_csv(request: HttpRequest) -> HttpResponse:
    form = DateRangeForm.from_query(request.GET)
    if not form.is_valid():
        messages = [message for errors in form.errors.values() for message in errors]
        return HttpResponseBadRequest(
            gettext("Invalid date range: %(errors)s") % {"errors": " ".join(messages)},
            content_type="text/plain; charset=utf-8",
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="metrics-{start.isoformat()}-{end.isoformat()}.csv"'
    )
    csv.writer(response).writerows(metrics_csv_rows(metrics_stored_between(start=start, end=end)))
    return response


@staff_member_required
def experiments(request: HttpRequest) -> HttpResponse:
    """The report of one canary flag: verdict, figures with intervals, charts over time."""
    form = ExperimentForm.from_query(request.GET)
    context = {"form": form, "report": None, "panels": []}
    if form.is_bound and form.is_valid():
        try:
            report = experiment_report_build(
                flag_name=form.cleaned_data["flag"],
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                # Without a start, as long as the longest period one may ask for.
                longest_days=MAX_RANGE_DAYS,
            )
        except ExperimentReportError as error:
            form.add_error(None, str(error))
        else:
            context.update(report=report, panels=experiment_panels(report))
    return render(request, "metrics/experiments.html", context)
