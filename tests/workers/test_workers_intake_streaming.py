"""The intake sends each content page's reading as soon as the page is recorded, cuts the documents at
the end, and hands on a document whose pages were all read before it was cut; a redelivered intake
passes over the pages already recorded."""

from __future__ import annotations

import io
import threading
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from pipeline.errors import InputError
from stages.sheets import render_cover_sheet, render_separator_sheet
from storage import repository as repo
from tests.conftest import E2E_SERVICE
from workers.context import WorkerContext
from workers.steps import Next, intake, process_page, record_failure


def _content(mark: int) -> Image.Image:
    pixels = np.full((1100, 850), 255, dtype=np.uint8)
    pixels[200:400, 100:100 + 10 * mark] = 0
    return Image.fromarray(pixels)


def _sheet(pixels: NDArray[np.uint8]) -> Image.Image:
    return Image.fromarray(pixels).resize((850, 1100))


def _pdf(pages: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    pages[0].save(out, format="PDF", resolution=100, save_all=True, append_images=pages[1:])
    return out.getvalue()


def _batch(ctx: WorkerContext, data: bytes, case_id: str | None = None) -> str:
    with repo.session_scope(ctx.session_factory) as session:
        case = repo.get_or_create_case(session, case_id, E2E_SERVICE)
        batch = repo.create_batch(session, case_id=case.id, station="test")
        repo.add_input_file(session, batch_id=batch.id, filename="scan", data_sha256=ctx.blobs.put(data),
                            size_bytes=len(data))
        return batch.id


def _page_ids(ctx: WorkerContext, batch_id: str) -> dict[int, tuple[str, str | None, str | None]]:
    """batch index -> (page id, sheet kind, document id)."""
    with repo.session_scope(ctx.session_factory) as session:
        return {p.batch_index: (p.id, p.sheet_kind, p.document_id) for p in repo.pages_of_batch(session, batch_id)}


def _two_documents() -> bytes:
    """content, content, separator, content: two documents, the cut known only at the third sheet."""
    return _pdf([_content(1), _content(2), _sheet(render_separator_sheet(dpi=100)), _content(3)])


def test_content_pages_are_sent_while_the_intake_reads_on(ctx: WorkerContext) -> None:
    batch_id = _batch(ctx, _two_documents())
    emitted: list[tuple[list[Next], int]] = []

    def emit(steps: list[Next]) -> None:
        emitted.append((steps, len(_page_ids(ctx, batch_id))))  # pages recorded when it was sent

    returned = intake(ctx, batch_id, emit)

    pages = _page_ids(ctx, batch_id)
    content = [pages[i][0] for i in (0, 1, 3)]
    assert [steps for steps, _ in emitted] == [[Next("process_page", page)] for page in content]
    assert [recorded for _, recorded in emitted] == [1, 2, 4]  # each sent as soon as it was recorded
    assert returned == []  # no page left to send; no document read yet
    assert pages[2][1] == "separator" and pages[2][2] is None
    assert pages[0][2] == pages[1][2] != pages[3][2]


def test_a_document_read_before_it_was_cut_is_handed_on_by_the_intake(ctx: WorkerContext) -> None:
    batch_id = _batch(ctx, _two_documents())
    read_at_once: list[list[Next]] = []

    def emit_and_read_one(steps: list[Next]) -> None:
        # The page workers are quick: the first document's two pages are read before the intake ends.
        [step] = steps
        if len(read_at_once) < 2:
            read_at_once.append(process_page(ctx, step.subject_id))

    returned = intake(ctx, batch_id, emit_and_read_one)

    assert read_at_once == [[], []]  # read with no document yet: nothing to hand on
    pages = _page_ids(ctx, batch_id)
    first_document, second_document = pages[0][2], pages[3][2]
    assert returned == [Next("classify_document", str(first_document))]
    # The second document's page, read after the cut, hands its document on itself.
    assert process_page(ctx, pages[3][0]) == [Next("classify_document", str(second_document))]


def test_without_a_sender_every_reading_is_returned_at_the_end(ctx: WorkerContext) -> None:
    batch_id = _batch(ctx, _two_documents())

    returned = intake(ctx, batch_id)

    pages = _page_ids(ctx, batch_id)
    assert returned == [Next("process_page", pages[i][0]) for i in (0, 1, 3)]


def test_a_cover_sheet_routes_the_batch_before_the_pages_after_it_are_sent(ctx: WorkerContext) -> None:
    cover = _sheet(render_cover_sheet("C-ROUTED-7", E2E_SERVICE, dpi=300))
    batch_id = _batch(ctx, _pdf([cover, _content(1), _content(2)]), case_id="C-FIRST-1")
    cases_when_sent: list[str] = []

    def emit(steps: list[Next]) -> None:
        with repo.session_scope(ctx.session_factory) as session:
            cases_when_sent.append(repo.get_batch(session, batch_id).case_id)

    intake(ctx, batch_id, emit)

    assert cases_when_sent == ["C-ROUTED-7", "C-ROUTED-7"]


def test_a_redelivered_intake_passes_over_the_pages_already_recorded(ctx: WorkerContext) -> None:
    batch_id = _batch(ctx, _two_documents())
    sent: list[str] = []

    def emit_then_crash(steps: list[Next]) -> None:
        sent.extend(step.subject_id for step in steps)
        if len(sent) == 2:
            raise ConnectionError("the worker lost its broker after the second page")

    with pytest.raises(ConnectionError):
        intake(ctx, batch_id, emit_then_crash)
    before = _page_ids(ctx, batch_id)
    assert sorted(before) == [0, 1]  # recorded up to the crash

    again: list[str] = []
    intake(ctx, batch_id, lambda steps: again.extend(step.subject_id for step in steps))

    after = _page_ids(ctx, batch_id)
    assert sorted(after) == [0, 1, 2, 3]
    assert after[0][0] == before[0][0] and after[1][0] == before[1][0]  # the same rows, not new ones
    assert again == [after[i][0] for i in (0, 1, 3)]  # still pending: sent again
    with repo.session_scope(ctx.session_factory) as session:
        assert repo.get_batch(session, batch_id).status == "processing"
        assert len(repo.documents_of_batch(session, batch_id)) == 2


def test_pages_read_while_the_documents_are_cut_hand_their_documents_on(
        ctx: WorkerContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page is read in a thread of its own and finishes only after the intake has cut the documents:
    the intake finds none of them read, so the pages' own fan-in must find the documents they now have."""
    import stages.page_reading

    real = stages.page_reading.read_page
    intake_done = threading.Event()

    def read_page_until_the_intake_ends(*args: Any, **kwargs: Any) -> Any:
        reading = real(*args, **kwargs)
        assert intake_done.wait(120)
        return reading

    monkeypatch.setattr(stages.page_reading, "read_page", read_page_until_the_intake_ends)
    batch_id = _batch(ctx, _two_documents())
    handed_on: list[Next] = []
    threads: list[threading.Thread] = []

    def emit(steps: list[Next]) -> None:
        [step] = steps
        thread = threading.Thread(target=lambda: handed_on.extend(process_page(ctx, step.subject_id)))
        thread.start()
        threads.append(thread)

    returned = intake(ctx, batch_id, emit)
    intake_done.set()
    for thread in threads:
        thread.join(120)

    pages = _page_ids(ctx, batch_id)
    assert returned == []
    assert sorted(handed_on, key=lambda n: n.subject_id) == sorted(
        [Next("classify_document", str(pages[0][2])), Next("classify_document", str(pages[3][2]))],
        key=lambda n: n.subject_id)


def test_a_page_sent_before_its_intake_failed_is_not_read(ctx: WorkerContext) -> None:
    """Two cover sheets of different cases fail the intake at the cut, after the page between them was
    sent: no document will ever take that page, so it is not read."""
    covers = [_sheet(render_cover_sheet(case, E2E_SERVICE, dpi=300)) for case in ("C-ONE-1", "C-TWO-2")]
    batch_id = _batch(ctx, _pdf([covers[0], _content(1), covers[1]]))
    sent: list[Next] = []

    with pytest.raises(InputError, match="two different cases"):
        intake(ctx, batch_id, sent.extend)
    record_failure(ctx, "intake", batch_id, InputError.code)  # what the actor's failure recorder does

    [page] = sent
    assert process_page(ctx, page.subject_id) == []
    with repo.session_scope(ctx.session_factory) as session:
        assert repo.get_page(session, page.subject_id).status == "pending"  # never read
        assert repo.get_batch(session, batch_id).status == "failed"
