"""The officers' redaction review page (/ui/documents/{id}/redactions): in Debian's chromium driven by
Playwright, an assigned officer with a grant sees the page images and the document's boxes, removes one,
draws one by dragging, submits, and the change is recorded (who, reason) by the API; someone without the
right gets a 403 page with no image and no box. The page route's gate is also checked without a browser."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from storage.audit_chain import AuditEntry
from tests.conftest import PipelineRun

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKENS = {"officer": "demo-officer", "officer_other": "demo-officer-other", "desk": "demo-desk",
          "admin": "demo-admin"}
PURPOSE = "case_processing"
SCREENSHOT = Path("/tmp/boxpage/page.png")
SUBMIT_TIMEOUT_MS = 180_000
"""Submitting rebuilds, verifies and re-signs the redacted copy on a shared two-core machine."""


@dataclass(frozen=True)
class Live:
    url: str
    app: FastAPI
    run: PipelineRun

    def call(self, method: str, who: str, path: str, body: dict[str, Any] | None = None,
             **params: str) -> httpx.Response:
        return httpx.request(method, self.url + path, json=body, params=params or None, timeout=300,
                             headers={"Authorization": f"Bearer {TOKENS[who]}"})

    def audit(self) -> list[AuditEntry]:
        entries: list[AuditEntry] = self.app.state.sportel.audit.entries()
        return entries


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live(embedded_run: PipelineRun) -> Iterator[Live]:
    """The API on a free port, with a grant for officer-1 on the case for ``PURPOSE``."""
    app = create_app(embedded_run.settings)
    instance = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        assert time.monotonic() < deadline, "API server did not start"
        time.sleep(0.05)
    live = Live(f"http://127.0.0.1:{instance.config.port}", app, embedded_run)
    expires = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    grant = {"user_id": "officer-1", "case_id": embedded_run.manifest.case_id, "purpose": PURPOSE,
             "expires_at": expires}
    granted = live.call("POST", "admin", "/api/grants", grant)
    assert granted.status_code == 201, granted.text
    yield live
    instance.should_exit = True
    thread.join(timeout=10)


def _document(live: Live) -> tuple[str, int]:
    """A released document with at least two boxes, and its page count. The last such document: the API
    tests change the first one."""
    candidates = [d.id for d in live.run.manifest.documents if d.files.signed_redacted_pdf and len(d.pii) >= 2]
    assert candidates, "no released document with boxes in the batch"
    pages = live.call("GET", "officer", f"/api/documents/{candidates[-1]}").json()["page_count"]
    return candidates[-1], int(pages)


def _page_url(live: Live, document_id: str, purpose: str = PURPOSE) -> str:
    return f"{live.url}/ui/documents/{document_id}/redactions?purpose={purpose}"


# ------------------------------------------------------------------------------------------ no browser


def test_the_page_route_opens_only_on_the_original_s_terms(live: Live) -> None:
    document_id, pages = _document(live)
    path = f"/ui/documents/{document_id}/redactions"

    assert httpx.get(live.url + path, params={"purpose": PURPOSE}).status_code == 401

    # Other tests of the session may have left an expired grant for appeal_review: either way, no valid one.
    for who, purpose, reasons in [("desk", PURPOSE, {"role_cannot_read_kind"}), ("officer_other", PURPOSE, None),
                                  ("officer", "appeal_review", {"no_grant", "grant_expired"})]:
        before = len(live.audit())
        response = live.call("GET", who, path, purpose=purpose)
        assert response.status_code == 403, (who, purpose)
        assert "<img" not in response.text and "/original" not in response.text and "redactions.js" not in response.text
        entries = live.audit()[before:]
        assert [(e.action, e.outcome, e.resource_kind, e.document_id) for e in entries] == [
            ("read", "denied", "original", document_id)]
        if reasons:
            assert entries[0].reason in reasons

    before = len(live.audit())
    response = live.call("GET", "officer", path, purpose=PURPOSE)
    assert response.status_code == 200
    assert "'self'" in response.headers["content-security-policy"]
    assert "no-store" in response.headers["cache-control"]
    images = re.findall(r'src="([^"]+/original[^"]*)"', response.text)
    assert images == [f"/api/documents/{document_id}/pages/{n}/original?purpose={PURPOSE}" for n in range(pages)]
    entry, = live.audit()[before:]
    assert (entry.action, entry.outcome, entry.resource_kind, entry.purpose, entry.user_id) == (
        "read", "allowed", "original", PURPOSE, "officer-1")
    assert entry.grant_id and entry.visible_entities == ""

    # A purpose that is not a code is refused before anything is read; without one, the officer picks one.
    assert live.call("GET", "officer", path, purpose="Ardit Hoxha").status_code == 422
    picker = live.call("GET", "officer", path)
    assert picker.status_code == 200 and 'name="purpose"' in picker.text and "/original" not in picker.text


def test_the_case_page_links_the_review_only_for_whom_it_opens(live: Live) -> None:
    case_id = live.run.manifest.case_id
    links = re.compile(r'href="(/ui/documents/[^"]+/redactions\?purpose=[^"]+)"')
    officer = live.call("GET", "officer", f"/ui/cases/{case_id}")
    assert officer.status_code == 200
    assert sorted(links.findall(officer.text)) == sorted(
        f"/ui/documents/{d.id}/redactions?purpose={PURPOSE}" for d in live.run.manifest.documents)
    desk = live.call("GET", "desk", f"/ui/cases/{case_id}")
    assert desk.status_code == 200 and links.findall(desk.text) == []


def test_only_the_listed_static_files_are_served(live: Live) -> None:
    script = httpx.get(f"{live.url}/ui/static/redactions.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "/redactions" in script.text and "http" not in script.text.replace("http://www.w3.org/2000/svg", "")
    assert httpx.get(f"{live.url}/ui/static/app.py").status_code == 404
    assert httpx.get(f"{live.url}/ui/static/..%2Fapp.py").status_code == 404


# --------------------------------------------------------------------------------------------- browser


def _launch(pw: Any) -> Any:
    assert CHROMIUM.exists(), "Debian's chromium is not installed (make system-deps installs it)"
    return pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def _login(browser: Any, live: Live, token: str, outside: list[str]) -> Any:
    """A logged-in page; every request it makes to anywhere but the server lands in ``outside``."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.on("request", lambda request: None if request.url.startswith(live.url) else outside.append(request.url))
    page.goto(f"{live.url}/ui/login")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/ui/review")
    return page


@pytest.mark.browser
def test_an_officer_removes_a_box_and_draws_one(live: Live) -> None:
    from playwright.sync_api import sync_playwright

    document_id, pages = _document(live)
    url = f"/api/documents/{document_id}/redactions"
    before_boxes = live.call("GET", "officer", url).json()["boxes"]
    # A box whose value no other box hides: removing one of two boxes over the same name would leave that
    # name readable while a box still claims it, and the verification would rightly send the copy to review.
    types = [b["entity_type"] for b in before_boxes]
    target = next(b for b in before_boxes if types.count(b["entity_type"]) == 1)
    added_bbox: dict[str, int] | None = None
    try:
        with sync_playwright() as pw:
            browser = _launch(pw)
            outside: list[str] = []
            page = _login(browser, live, TOKENS["officer"], outside)
            page.goto(f"{live.url}/ui/cases/{live.run.manifest.case_id}")
            with page.expect_navigation():
                page.click(f"#doc-{document_id} a.redactions[data-purpose='{PURPOSE}']")
            assert page.url == _page_url(live, document_id)
            page.wait_for_selector("#load-status[data-state=loaded]")
            page.wait_for_function(f"document.querySelectorAll('section.page[data-state=loaded]').length === {pages}")

            # Every page image is there, and every box of the document is drawn where the API puts it.
            widths = page.eval_on_selector_all("img.scan", "imgs => imgs.map(i => i.naturalWidth)")
            assert len(widths) == pages and all(w > 500 for w in widths)
            drawn = page.locator("svg.overlay rect.box[data-box]")
            assert drawn.count() == len(before_boxes)
            assert sorted(drawn.nth(i).get_attribute("data-box") or "" for i in range(drawn.count())) == sorted(
                b["id"] for b in before_boxes)
            rect = page.locator(f"section.page[data-page='{target['page']}'] rect.box[data-box='{target['id']}']")
            assert [int(rect.get_attribute(a) or -1) for a in ("x", "y", "width", "height")] == [
                target["bbox"]["x0"], target["bbox"]["y0"], target["bbox"]["x1"] - target["bbox"]["x0"],
                target["bbox"]["y1"] - target["bbox"]["y0"]]
            assert page.locator("#boxes tbody tr").count() == len(before_boxes)

            # Remove one box: a click on it marks it, and a reason code is chosen in its row.
            rect.click()
            assert "removed" in (rect.get_attribute("class") or "")
            page.select_option(f"#boxes tr[data-box='{target['id']}'] select.reason", "public_record")

            # Draw one by dragging over the blank band between the first page's last lines and its footer
            # (a box over nothing hides nothing that could be read elsewhere), as an address.
            page.select_option("#new-entity", "ADDRESS")
            page.select_option("#new-reason", "unreadable_region")
            overlay = page.locator("section.page[data-page='0'] svg.overlay")
            overlay.scroll_into_view_if_needed()
            natural = page.eval_on_selector("section.page[data-page='0'] img.scan",
                                            "i => [i.naturalWidth, i.naturalHeight]")
            top = overlay.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
            frame = overlay.bounding_box()
            assert frame is not None
            page.evaluate(f"window.scrollTo(0, {top + frame['height'] * 0.85 - 400})")
            frame = overlay.bounding_box()
            assert frame is not None
            start = (frame["x"] + frame["width"] * 0.40, frame["y"] + frame["height"] * 0.83)
            end = (frame["x"] + frame["width"] * 0.65, frame["y"] + frame["height"] * 0.87)
            page.mouse.move(*start)
            page.mouse.down()
            page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=4)
            page.mouse.move(*end, steps=4)
            page.mouse.up()
            expected = {"x0": (start[0] - frame["x"]) * natural[0] / frame["width"],
                        "y0": (start[1] - frame["y"]) * natural[1] / frame["height"],
                        "x1": (end[0] - frame["x"]) * natural[0] / frame["width"],
                        "y1": (end[1] - frame["y"]) * natural[1] / frame["height"]}
            assert page.locator("#added tbody tr").count() == 1
            assert page.locator("section.page[data-page='0'] rect.box.added").count() == 1
            assert page.locator("#added tbody tr select.entity").input_value() == "ADDRESS"
            assert page.locator("#submit").is_enabled()
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.set_viewport_size({"width": 1200, "height": 2000})  # header, tools and the whole first page
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(SCREENSHOT))
            page.set_viewport_size({"width": 1200, "height": 900})
            page.screenshot(path=str(SCREENSHOT.with_name("page-full.png")), full_page=True)

            redacts = sum(e.action == "redact" for e in live.audit())
            page.click("#submit")
            result = page.locator("#result[data-outcome=released], #result[data-outcome=review]")
            result.wait_for(timeout=SUBMIT_TIMEOUT_MS)
            page.wait_for_selector("#load-status[data-state=loaded]")
            outcome = result.get_attribute("data-outcome")
            released = result.get_attribute("data-released") == "true"
            page.locator("#changes").scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOT.with_name("result.png")))
            after_drawn = page.locator("svg.overlay rect.box[data-box]").count()
            history = page.locator("#changes tbody tr").count()
            assert outside == [], "the page fetched something from outside the server"
            browser.close()

        # The API shows the change recorded: the box gone, the drawn one there, who and why.
        listed = live.call("GET", "officer", url).json()
        boxes = listed["boxes"]
        assert target["id"] not in {b["id"] for b in boxes}
        new = [b for b in boxes if b["entity_type"] == "ADDRESS" and b["page"] == 0
               and all(abs(b["bbox"][k] - v) <= 2 for k, v in expected.items())]
        assert len(new) == 1, (expected, boxes)
        added_bbox = new[0]["bbox"]
        assert len(boxes) == len(before_boxes) and after_drawn == len(boxes)
        recorded = [(c["action"], c["reason"], c["user_id"], c["entity_type"], c["bbox"], c["page"])
                    for c in listed["changes"][-2:]]
        assert recorded == [
            ("remove", "public_record", "officer-1", target["entity_type"], target["bbox"], target["page"]),
            ("add", "unreadable_region", "officer-1", "ADDRESS", added_bbox, 0)]
        assert history == len(listed["changes"])
        assert sum(e.action == "redact" for e in live.audit()) == redacts + 1
        # What the page said is what happened: a released copy is served, one sent to review is not.
        assert outcome == ("released" if released else "review")
        assert released and listed["changes"][-1]["verified"]
        assert live.call("GET", "officer", f"/api/documents/{document_id}/redacted").status_code == 200
    finally:
        _restore(live, url, target, added_bbox)


def _restore(live: Live, url: str, removed: dict[str, Any], added_bbox: dict[str, int] | None) -> None:
    """Put the box back and take the drawn one out, so other tests see the pipeline's own redaction."""
    boxes = live.call("GET", "officer", url).json()["boxes"]
    changes: list[dict[str, Any]] = []
    if removed["id"] not in {b["id"] for b in boxes}:
        changes.append({"action": "add", "page": removed["page"], "bbox": removed["bbox"],
                        "entity_type": removed["entity_type"], "reason": "missed_personal_data"})
    changes += [{"action": "remove", "box_id": b["id"], "reason": "other"} for b in boxes
                if added_bbox is not None and b["bbox"] == added_bbox and b["entity_type"] == "ADDRESS"]
    if changes:
        response = live.call("POST", "officer", url, {"purpose": PURPOSE, "changes": changes})
        assert response.status_code == 200 and response.json()["released"], response.text


@pytest.mark.browser
def test_without_the_right_there_is_no_image_and_no_box(live: Live) -> None:
    from playwright.sync_api import sync_playwright

    document_id, _ = _document(live)
    with sync_playwright() as pw:
        browser = _launch(pw)
        for who, purpose in [("officer_other", PURPOSE), ("officer", "appeal_review")]:
            outside: list[str] = []
            page = _login(browser, live, TOKENS[who], outside)
            before = len(live.audit())
            response = page.goto(_page_url(live, document_id, purpose))
            assert response is not None and response.status == 403
            assert page.locator("#denied").is_visible()
            assert page.locator("#denied-reason").inner_text() != ""
            assert page.locator("img").count() == 0 and page.locator("rect").count() == 0
            assert page.locator("#redaction-review").count() == 0
            denied, = live.audit()[before:]
            assert (denied.outcome, denied.resource_kind, denied.document_id) == ("denied", "original", document_id)
            if who == "officer":
                # Other tests of the session may have left an expired grant for appeal_review.
                assert denied.reason in {"no_grant", "grant_expired"}
            # The image route refuses the same reader on the same terms.
            image = page.request.get(f"{live.url}/api/documents/{document_id}/pages/0/original?purpose={purpose}")
            assert image.status == 403
            assert outside == []
            page.close()
        browser.close()
