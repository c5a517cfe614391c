"""The repository on SQLite and PostgreSQL: rows in and out, idempotent step results, and the atomic
operations concurrent workers rely on (fan-in counting, claiming a document's next step)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import InputError, NotFoundError
from pipeline.models import BBox, Checklist, ChecklistItem, Classification, GeometryResult, PiiFinding
from storage import repository as repo
from storage.tables import PiiFindingRow, StepResult, new_id

T = TypeVar("T")

Factory = sessionmaker[Session]


@dataclass(frozen=True)
class Fixture:
    case_id: str
    batch_id: str
    file_id: str
    document_id: str
    page_ids: list[str]


def make_batch(factory: Factory, pages: int = 3, service_id: str = "svc_test") -> Fixture:
    """One case, one batch, one input file and one document of ``pages`` pages."""
    with repo.session_scope(factory) as session:
        case = repo.get_or_create_case(session, f"C-TEST-{new_id()[:12]}", service_id)
        batch = repo.create_batch(session, case_id=case.id, station="scanner-1")
        file = repo.add_input_file(session, batch_id=batch.id, filename="scan.PDF", data_sha256="a" * 64,
                                   size_bytes=1234)
        document = repo.create_document(session, batch_id=batch.id, case_id=case.id, index_in_batch=0,
                                        first_page=0, last_page=pages - 1, page_count=pages)
        page_ids = [
            repo.add_page(session, batch_id=batch.id, input_file_id=file.id, source_index=i, batch_index=i,
                          dpi=300, width=2480, height=3508, image_blob="b" * 64, document_id=document.id).id
            for i in range(pages)
        ]
        return Fixture(case.id, batch.id, file.id, document.id, page_ids)


def all_at_once(workers: int, call: Callable[[], T]) -> list[T]:
    """Run ``call`` in ``workers`` threads released together, each with its own connection."""
    barrier = threading.Barrier(workers)

    def run() -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run) for _ in range(workers)]
        return [future.result() for future in futures]


# ---------------------------------------------------------------------------------------------- rows


def test_rows_round_trip(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=2)
    with repo.session_scope(session_factory) as session:
        case = repo.get_case(session, ids.case_id)
        assert case.service_id == "svc_test"
        assert case.created_at.utcoffset() == timedelta(0)
        batch = repo.get_batch(session, ids.batch_id)
        assert (batch.case_id, batch.station, batch.status) == (ids.case_id, "scanner-1", "received")
        (file,) = repo.input_files_of_batch(session, ids.batch_id)
        assert (file.kind, file.sha256, file.blob_key, file.size_bytes) == ("pdf", "a" * 64, "a" * 64, 1234)
        document = repo.get_document(session, ids.document_id)
        assert (document.status, document.pages_done, document.page_count) == ("pending", 0, 2)
        assert document.uncertain is False and document.redaction_verified is None
        assert [p.id for p in repo.pages_of_document(session, ids.document_id)] == ids.page_ids
        assert [p.batch_index for p in repo.pages_of_batch(session, ids.batch_id)] == [0, 1]
        assert [d.id for d in repo.documents_of_batch(session, ids.batch_id)] == [ids.document_id]
        assert [d.id for d in repo.documents_of_case(session, ids.case_id)] == [ids.document_id]
        page = repo.get_page(session, ids.page_ids[1])
        assert (page.source_index, page.batch_index, page.dpi, page.status) == (1, 1, 300, "pending")


@pytest.mark.parametrize("getter", [repo.get_case, repo.get_batch, repo.get_page, repo.get_document])
def test_missing_rows_are_not_found(session_factory: Factory,
                                    getter: Callable[[Session, str], object]) -> None:
    with repo.session_scope(session_factory) as session, pytest.raises(NotFoundError):
        getter(session, new_id())


def test_updates_set_named_columns_only(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=1)
    with repo.session_scope(session_factory) as session:
        created = repo.get_document(session, ids.document_id).updated_at
        repo.update_page(session, ids.page_ids[0], status="done", skew_deg=-0.7, orientation_deg=90,
                         blank=False, corrected_blob="c" * 64, ocr_mean_confidence=91.5)
        repo.update_document(session, ids.document_id, document_type="leternjoftim", confidence=0.93,
                             uncertain=True, status="classified")
    with repo.session_scope(session_factory) as session:
        page = repo.get_page(session, ids.page_ids[0])
        assert (page.status, page.skew_deg, page.orientation_deg, page.blank, page.corrected_blob) == (
            "done", -0.7, 90, False, "c" * 64)
        document = repo.get_document(session, ids.document_id)
        assert (document.document_type, document.confidence, document.uncertain, document.status) == (
            "leternjoftim", 0.93, True, "classified")
        assert document.updated_at >= created
        with pytest.raises(ValueError, match="no updatable column"):
            repo.update_page(session, ids.page_ids[0], nonsense=1)
        with pytest.raises(ValueError, match="no updatable column"):
            repo.update_document(session, ids.document_id, id="other")


def test_status_outside_the_lifecycle_is_rejected(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=1)
    with pytest.raises(IntegrityError), repo.session_scope(session_factory) as session:
        repo.update_document(session, ids.document_id, status="almost_done")
    with repo.session_scope(session_factory) as session:
        assert repo.get_document(session, ids.document_id).status == "pending"


def test_foreign_keys_are_enforced(session_factory: Factory) -> None:
    with pytest.raises(IntegrityError), repo.session_scope(session_factory) as session:
        repo.create_batch(session, case_id=f"C-NOPE-{new_id()}", station="x")


def test_page_batch_index_is_unique_per_batch(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=1)
    with pytest.raises(IntegrityError), repo.session_scope(session_factory) as session:
        repo.add_page(session, batch_id=ids.batch_id, input_file_id=ids.file_id, source_index=5,
                      batch_index=0, dpi=300, width=10, height=10, image_blob=None)


def test_session_scope_rolls_back_on_error(session_factory: Factory) -> None:
    case_id = f"C-RB-{new_id()[:12]}"
    with pytest.raises(RuntimeError), repo.session_scope(session_factory) as session:
        repo.get_or_create_case(session, case_id, "svc_test")
        raise RuntimeError("boom")
    with repo.session_scope(session_factory) as session, pytest.raises(NotFoundError):
        repo.get_case(session, case_id)


# --------------------------------------------------------------------------------------------- cases


def test_generated_case_ids_are_numbered_and_unique(session_factory: Factory) -> None:
    def create() -> str:
        with repo.session_scope(session_factory) as session:
            return repo.get_or_create_case(session, None, "svc_generated").id

    ids = all_at_once(6, create)
    assert len(set(ids)) == 6
    assert all(re.fullmatch(r"C-\d{4}-\d{6}", case_id) for case_id in ids)
    with repo.session_scope(session_factory) as session:
        assert {repo.get_case(session, case_id).service_id for case_id in ids} == {"svc_generated"}


def test_get_or_create_case_returns_the_existing_case(session_factory: Factory) -> None:
    case_id = f"C-EX-{new_id()[:12]}"
    ids = all_at_once(4, lambda: _get_or_create(session_factory, case_id, "svc_a"))
    assert ids == [case_id] * 4
    with repo.session_scope(session_factory) as session, pytest.raises(InputError):
        repo.get_or_create_case(session, case_id, "svc_b")


def _get_or_create(factory: Factory, case_id: str, service_id: str) -> str:
    with repo.session_scope(factory) as session:
        return repo.get_or_create_case(session, case_id, service_id).id


def test_route_batch_to_case_moves_its_documents(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=1)
    target = f"C-COVER-{new_id()[:12]}"
    with repo.session_scope(session_factory) as session:
        batch = repo.get_batch(session, ids.batch_id)
        case = repo.route_batch_to_case(session, batch, target, None)
        assert (case.id, case.service_id) == (target, "svc_test")
    with repo.session_scope(session_factory) as session:
        assert repo.get_batch(session, ids.batch_id).case_id == target
        assert repo.get_document(session, ids.document_id).case_id == target
        assert repo.documents_of_case(session, ids.case_id) == []


# -------------------------------------------------------------------------------------- step results


def test_save_step_result_is_idempotent(session_factory: Factory) -> None:
    page_id = new_id()
    first = GeometryResult(orientation_deg=90, orientation_confidence=4.2, skew_deg=1.25, width=2480,
                           height=3508)
    second = first.model_copy(update={"skew_deg": -3.0})
    with repo.session_scope(session_factory) as session:
        assert repo.save_step_result(session, page_id, "geometry", "1", first) is True
    with repo.session_scope(session_factory) as session:
        assert repo.save_step_result(session, page_id, "geometry", "1", second) is False
        assert repo.save_step_result(session, page_id, "geometry", "2", second) is True
    with repo.session_scope(session_factory) as session:
        assert repo.load_step_result(session, page_id, "geometry", "1", GeometryResult) == first
        assert repo.load_step_result(session, page_id, "geometry", "2", GeometryResult) == second
        assert repo.load_step_result(session, page_id, "ocr", "1", GeometryResult) is None
        count = session.execute(select(StepResult).where(StepResult.subject_id == page_id)).all()
        assert len(count) == 2


def test_redelivered_saves_race_harmlessly(session_factory: Factory) -> None:
    document_id = new_id()
    result = Classification(document_type="certifikate_lindje", confidence=0.8, method="rules",
                            model_version="rules-1")

    def save() -> bool:
        with repo.session_scope(session_factory) as session:
            return repo.save_step_result(session, document_id, "classify", "1", result)

    assert sorted(all_at_once(6, save)) == [False] * 5 + [True]
    with repo.session_scope(session_factory) as session:
        assert repo.load_step_result(session, document_id, "classify", "1", Classification) == result


# ------------------------------------------------------------------------------------------ fan-in


def test_mark_page_done_and_count_exactly_one_sees_the_last_page(session_factory: Factory) -> None:
    pages = 12
    ids = make_batch(session_factory, pages=pages)

    def finish_one_page() -> tuple[int, int]:
        with repo.session_scope(session_factory) as session:
            return repo.mark_page_done_and_count(session, ids.document_id)

    results = all_at_once(pages, finish_one_page)
    assert sorted(done for done, _ in results) == list(range(1, pages + 1))
    assert {total for _, total in results} == {pages}
    assert sum(1 for done, total in results if done == total) == 1
    with repo.session_scope(session_factory) as session:
        assert repo.get_document(session, ids.document_id).pages_done == pages
        with pytest.raises(NotFoundError):
            repo.mark_page_done_and_count(session, new_id())


def test_count_done_pages_counts_finished_and_failed(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=3)
    with repo.session_scope(session_factory) as session:
        assert repo.count_done_pages(session, ids.document_id) == (0, 3)
        repo.update_page(session, ids.page_ids[0], status="done")
        repo.update_page(session, ids.page_ids[2], status="failed", error_code="ocr_engine")
        assert repo.count_done_pages(session, ids.document_id) == (2, 3)
        assert repo.count_failed_pages(session, ids.document_id) == 1
        assert [p.id for p in repo.pending_pages_of_batch(session, ids.batch_id)] == [ids.page_ids[1]]


def test_claim_document_step_is_exclusive(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=1)

    def claim() -> bool:
        with repo.session_scope(session_factory) as session:
            return repo.claim_document_step(session, ids.document_id, "pending", "ocr_done")

    assert sorted(all_at_once(8, claim)) == [False] * 7 + [True]
    with repo.session_scope(session_factory) as session:
        assert repo.get_document(session, ids.document_id).status == "ocr_done"
        assert repo.claim_document_step(session, ids.document_id, "pending", "ocr_done") is False
        assert repo.claim_document_step(session, ids.document_id, "ocr_done", "classified") is True


# ------------------------------------------------------------------------------------ batch progress


def test_batch_finishes_when_every_document_is_final(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=2)
    with repo.session_scope(session_factory) as session:
        second = repo.create_document(session, batch_id=ids.batch_id, case_id=ids.case_id, index_in_batch=1,
                                      first_page=2, last_page=2, page_count=1)
        repo.add_page(session, batch_id=ids.batch_id, input_file_id=ids.file_id, source_index=2,
                      batch_index=2, dpi=300, width=10, height=10, image_blob="d" * 64, document_id=second.id)
        # a separator sheet: no document, never processed, not counted
        repo.add_page(session, batch_id=ids.batch_id, input_file_id=ids.file_id, source_index=3,
                      batch_index=3, dpi=300, width=10, height=10, image_blob="e" * 64,
                      sheet_kind="separator")
        repo.get_batch(session, ids.batch_id).status = "processing"
    with repo.session_scope(session_factory) as session:
        for page_id in ids.page_ids:
            repo.update_page(session, page_id, status="done")
        repo.update_document(session, ids.document_id, status="released")
        assert repo.batch_progress(session, ids.batch_id) == (2, 3, 1, 2, "processing")
        assert repo.finish_batch_if_done(session, ids.batch_id) is False
    with repo.session_scope(session_factory) as session:
        repo.update_document(session, second.id, status="review")
        assert repo.finish_batch_if_done(session, ids.batch_id) is True
        assert repo.batch_progress(session, ids.batch_id).batch_status == "done"


def test_fail_batch_records_the_code(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=1)
    with repo.session_scope(session_factory) as session:
        repo.fail_batch(session, ids.batch_id, "corrupt_input")
    with repo.session_scope(session_factory) as session:
        batch = repo.get_batch(session, ids.batch_id)
        assert (batch.status, batch.error_code) == ("failed", "corrupt_input")


# -------------------------------------------------------------------------------- PII and checklists


def test_pii_findings_keep_boxes_never_values(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=1)
    secret = "Arbër Hoxha J12345678K"
    findings = [
        PiiFinding(entity_type="PERSON", page_index=0, bbox=BBox(x0=10, y0=20, x1=110, y1=40), score=0.85,
                   value=secret),
        PiiFinding(entity_type="AL_PERSONAL_NUMBER", page_index=0, bbox=BBox(x0=10, y0=60, x1=210, y1=80),
                   score=0.99, value=secret),
    ]
    with repo.session_scope(session_factory) as session:
        assert repo.add_pii_findings(session, ids.document_id, findings) == 2
        assert repo.replace_pii_findings(session, ids.document_id, findings[1:]) == 1
        repo.save_step_result(session, ids.document_id, "findings-test", "1", findings[0])
    with repo.session_scope(session_factory) as session:
        (row,) = repo.pii_findings_of_document(session, ids.document_id)
        assert (row.entity_type, row.page_index, row.x0, row.y0, row.x1, row.y1, row.score) == (
            "AL_PERSONAL_NUMBER", 0, 10, 60, 210, 80, 0.99)
        stored = [str(v) for r in session.execute(select(PiiFindingRow)).all() for v in vars(r[0]).values()]
        stored += list(session.execute(select(StepResult.payload)).scalars())
        assert not any(secret in value for value in stored)
        dump = "\n".join(str(v) for v in session.execute(text("SELECT * FROM step_results")).all())
        assert secret not in dump


def test_checklist_upsert(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=1)
    missing = Checklist(service_id="svc_test", items=[
        ChecklistItem(slot="0: Kartë identiteti", document_types=["leternjoftim"], status="missing"),
    ])
    present = Checklist(service_id="svc_test", items=[
        ChecklistItem(slot="0: Kartë identiteti", document_types=["leternjoftim"], status="present",
                      document_ids=[ids.document_id]),
    ])
    with repo.session_scope(session_factory) as session:
        assert repo.get_checklist(session, ids.case_id) is None
        repo.set_checklist(session, ids.case_id, missing)
    with repo.session_scope(session_factory) as session:
        assert repo.get_checklist(session, ids.case_id) == missing

    def attach() -> None:
        with repo.session_scope(session_factory) as session:
            repo.set_checklist(session, ids.case_id, present)

    all_at_once(4, attach)
    with repo.session_scope(session_factory) as session:
        assert repo.get_checklist(session, ids.case_id) == present


def test_timings_of_batch(session_factory: Factory) -> None:
    ids = make_batch(session_factory, pages=1)
    with repo.session_scope(session_factory) as session:
        repo.record_timing(session, ids.batch_id, ids.batch_id, "intake", 0.5)
        repo.record_timing(session, ids.batch_id, ids.page_ids[0], "ocr", 1.25)
    with repo.session_scope(session_factory) as session:
        assert sorted(repo.timings_of_batch(session, ids.batch_id)) == [("intake", 0.5), ("ocr", 1.25)]

