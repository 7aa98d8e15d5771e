"""A staff member signs in, reads the dashboard's charts, fixes a bad range and exports the CSV."""

import csv
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from metrics.services import metrics_compute_for_day
from tests.factories import UserFactory
from tests.metrics.scenario import NOV_1, OCT_31, build_scenario

pytestmark = pytest.mark.e2e

PANEL_TITLES = [
    "North-star metric",
    "Bookings per category",
    "Newsletter funnel",
]


def test_staff_reads_the_charts_fixes_a_bad_range_and_downloads_the_csv(live_server, page):
    build_scenario()
    for day in (OCT_31 - timedelta(days=1), OCT_31, NOV_1):
        metrics_compute_for_day(day=day)
    UserFactory(email="ines@passerelle.example", is_staff=True)

    page.goto(f"{live_server.url}/dashboard/?start=2026-10-28&end=2026-11-02")
    # Staff-only: the admin's sign-in comes first, then the dashboard asked for.
    page.locator("#id_username").fill("ines@passerelle.example")
    page.locator("#id_password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Metrics dashboard")
    expect(page.get_by_text("metrics stored for 3 of 6 days")).to_be_visible()
    for title in PANEL_TITLES:
        panel = page.get_by_role("region", name=title)
        expect(panel).to_be_visible()
        # pygal's SVG is inline: the browser laid it out, so the chart has a real size.
        box = panel.locator("figure svg").first.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 100

    page.get_by_label("Start", exact=True).fill("2026-11-05")
    page.get_by_label("End", exact=True).fill("2026-11-01")
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("alert")).to_have_text(
        "The start date must be on or before the end date."
    )
    expect(page.locator("figure svg")).to_have_count(0)

    page.get_by_label("Start", exact=True).fill("2026-10-31")
    page.get_by_label("End", exact=True).fill("2026-11-01")
    page.get_by_role("button", name="Show").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()

    download = download_info.value
    assert download.suggested_filename == "metrics-2026-10-31-2026-11-01.csv"
    with open(download.path(), newline="", encoding="utf-8") as exported:
        rows = list(csv.DictReader(exported))
    assert [row["date"] for row in rows] == ["2026-10-31", "2026-11-01"]
    assert rows[0]["bookings"] == "7"
