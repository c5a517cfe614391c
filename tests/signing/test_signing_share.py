"""Stage timings carry the thread CPU time of each step next to its wall time, and the signing benchmark
reports signing's share of both, per document and overall."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from benchmarks.signing import signing_share
from pipeline.settings import load_settings
from storage import repository as repo
from storage.migrate import upgrade
from storage.tables import StageTiming
from tests.signing.conftest import make_pdf
from workers.context import WorkerContext
from workers.steps import sign_document, timed


@pytest.fixture
def ctx(tmp_path: Path) -> WorkerContext:
    settings = load_settings(home=tmp_path / "home")
    upgrade(settings.resolved_database_url)
    return WorkerContext.from_settings(settings)


def _document(ctx: WorkerContext, pages: int, *, signed: bool = False) -> tuple[str, str, list[str]]:
    """(batch id, document id, page ids) of a new document in a new batch."""
    with repo.session_scope(ctx.session_factory) as session:
        case = repo.get_or_create_case(session, None, "blq_strehim_invalidet")
        batch = repo.create_batch(session, case_id=case.id, station="test")
        batch_id, case_id = batch.id, case.id
    return batch_id, *_add_document(ctx, batch_id, case_id, 0, pages, signed=signed)


def _add_document(ctx: WorkerContext, batch_id: str, case_id: str, index: int, pages: int, *,
                  signed: bool, first_page: int = 0) -> tuple[str, list[str]]:
    with repo.session_scope(ctx.session_factory) as session:
        file = repo.add_input_file(session, batch_id=batch_id, filename="scan.pdf", data_sha256="a" * 64,
                                   size_bytes=1)
        document = repo.create_document(session, batch_id=batch_id, case_id=case_id, index_in_batch=index,
                                        first_page=first_page, last_page=first_page + pages - 1, page_count=pages)
        page_ids = [repo.add_page(session, batch_id=batch_id, input_file_id=file.id, source_index=i,
                                  batch_index=first_page + i, dpi=300, width=10, height=10, image_blob="b" * 64,
                                  document_id=document.id).id for i in range(pages)]
        pdf = ctx.blobs.put(make_pdf(pages))
        repo.update_document(session, document.id, searchable_pdf_blob=pdf, redacted_pdf_blob=pdf,
                             signed_searchable_blob=pdf if signed else None,
                             signed_redacted_blob=pdf if signed else None)
        return document.id, page_ids


def _timings(ctx: WorkerContext, batch_id: str) -> list[tuple[str, float, float | None]]:
    with repo.session_scope(ctx.session_factory) as session:
        rows = session.execute(select(StageTiming.step, StageTiming.seconds, StageTiming.cpu_seconds)
                               .where(StageTiming.batch_id == batch_id)).all()
    return [(step, seconds, cpu) for step, seconds, cpu in rows]


def test_the_sign_step_records_its_cpu_time_within_its_wall_time(ctx: WorkerContext) -> None:
    batch_id, document_id, _ = _document(ctx, 2)

    sign_document(ctx, document_id)

    [(step, seconds, cpu)] = _timings(ctx, batch_id)
    assert step == "sign_document"
    assert cpu is not None and 0 < cpu <= seconds + 1e-3


def test_cpu_time_leaves_out_the_waiting(ctx: WorkerContext) -> None:
    batch_id, document_id, _ = _document(ctx, 1)

    with timed(ctx, "sign_document", batch_id, document_id):
        time.sleep(0.3)  # waiting, as for a core or the GIL
        busy_until = time.thread_time() + 0.05
        while time.thread_time() < busy_until:
            pass

    [(_, seconds, cpu)] = _timings(ctx, batch_id)
    assert seconds >= 0.35
    assert cpu is not None and 0.05 <= cpu < 0.2


def test_signing_share_on_wall_and_on_cpu_time(ctx: WorkerContext) -> None:
    batch_id, one_page, [page] = _document(ctx, 1, signed=True)
    with repo.session_scope(ctx.session_factory) as session:
        case_id = repo.get_batch(session, batch_id).case_id
    two_pages, pages = _add_document(ctx, batch_id, case_id, 1, 2, signed=True, first_page=1)
    timings = [
        (batch_id, "intake", 3.0, 0.6),  # shared by page count: 1 s and 0.2 s to the first document
        (page, "ocr", 6.0, 2.0), (one_page, "redact_document", 2.5, 1.7), (one_page, "sign_document", 0.5, 0.1),
        (pages[0], "ocr", 5.0, 2.0), (pages[1], "ocr", 5.0, 2.0), (two_pages, "sign_document", 1.0, None),
    ]
    with repo.session_scope(ctx.session_factory) as session:
        for subject, step, seconds, cpu in timings:
            repo.record_timing(session, batch_id, subject, step, seconds, cpu)

    share = signing_share(ctx.settings.resolved_database_url, batch_id)

    first, second = share.documents
    assert (first.document_id, first.pages, first.signatures) == (one_page, 1, 2)
    assert first.share == pytest.approx(0.5 / 10.0)
    assert first.cpu_share == pytest.approx(0.1 / 4.0)
    # A timing recorded without CPU time counts as none, not as its wall time.
    assert second.signing_cpu_seconds == 0.0 and second.total_cpu_seconds == pytest.approx(4.4)
    assert share.worst_document_share == pytest.approx(max(0.05, 1.0 / 13.0))
    assert share.worst_document_cpu_share == pytest.approx(0.025)
    assert share.cpu_share == pytest.approx(0.1 / 8.4)
    assert share.cpu_ms_per_signature == pytest.approx(100.0 / 4)
