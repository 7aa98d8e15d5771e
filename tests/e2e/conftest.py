"""A headless Chromium page for end-to-end tests, driven by Playwright against the live server.

The system's Chromium is used (Playwright never downloads a browser here); a
machine without it skips these tests, and CI fails them.
"""

from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
# Quiet and deterministic: no network chatter of the browser's own, no GPU in containers.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(request, monkeypatch):
    """A fresh browser page; fails the test if any of its requests fails or answers an error.

    Parametrise it indirectly with Playwright's page options to change the browser's
    language or screen: `{"locale": "fr-FR", "viewport": {"width": 375, "height": 740}}`.
    Playwright's default locale, en-US, asks the site for English.
    """
    from tests.conftest import skip_or_fail

    if not CHROMIUM.exists():
        skip_or_fail(f"needs headless Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, and Django refuses
    # ORM calls from a thread with a running loop unless told it is safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(**getattr(request, "param", {}))
        page.set_default_timeout(15_000)
        broken: list[str] = []
        downloaded: set[str] = set()
        # Chromium aborts the request of a link that turns into a download: that
        # abort is the download itself, not a failure.
        page.on("download", lambda download: downloaded.add(download.url))
        page.on("requestfailed", lambda request: broken.append(f"failed {request.url}"))
        page.on(
            "response",
            lambda response: (
                response.status >= 400 and broken.append(f"{response.status} {response.url}")
            ),
        )
        yield page
        browser.close()
        # ORM calls made inside Playwright's context got their own connections
        # (Django keys them by context); close them, or they outlive the test database.
        connections.close_all()
    failures = [entry for entry in broken if entry.removeprefix("failed ") not in downloaded]
    assert failures == [], "requests failed during the test"
