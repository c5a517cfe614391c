"""The officers' review pages in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from tests.conftest import PipelineRun

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("e2e")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(embedded_run: PipelineRun) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_app(embedded_run.settings), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        assert time.monotonic() < deadline, "API server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def test_officer_logs_in_reviews_the_case_and_corrects_a_type(server: str, embedded_run: PipelineRun,
                                                              tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is not installed (make system-deps installs it)"
    case_id = embedded_run.manifest.case_id
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{server}/ui/login")
        page.fill("input[name=token]", "demo-officer")
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/ui/review")
        page.goto(f"{server}/ui/cases/{case_id}")
        rows = page.locator("#checklist tr[data-status]")
        assert rows.count() == len(embedded_run.manifest.checklist)
        statuses = sorted(rows.nth(i).get_attribute("data-status") or "" for i in range(rows.count()))
        assert statuses == sorted(item.status for item in embedded_run.manifest.checklist)
        page.screenshot(path=str(tmp_path / "case.png"), full_page=True)

        document = embedded_run.manifest.documents[0]
        form = page.locator(f"form[data-doc='{document.id}']")
        new_type = "court_decision" if document.type != "court_decision" else "death_certificate"
        form.locator("select").select_option(new_type)
        with page.expect_navigation():
            form.locator("button").click()
        selected = page.locator(f"form[data-doc='{document.id}'] select").input_value()
        assert selected == new_type
        # put it back so other tests see the pipeline's own result
        form = page.locator(f"form[data-doc='{document.id}']")
        form.locator("select").select_option(document.type or "unclassified")
        with page.expect_navigation():
            form.locator("button").click()
        browser.close()


def test_anonymous_visitor_gets_no_case_page(server: str, embedded_run: PipelineRun) -> None:
    import httpx

    response = httpx.get(f"{server}/ui/cases/{embedded_run.manifest.case_id}")
    assert response.status_code == 401
