"""Automatic splitting in the pipeline: a stack scanned with no cover and no separator sheets goes through
the embedded default (SQLite, blob folder, in-process broker) and ends as the right documents with their
true types, each with its own extracted fields; a redelivered classification changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.samples.truth import BatchTruth, CorpusTruth, DocumentTruth
from pipeline.models import Extraction
from pipeline.plan import STEP_VERSIONS
from pipeline.settings import Settings, load_settings
from storage import repository as repo
from tests.conftest import E2E_SERVICE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]

CASE = "C-E2E-STACK"


@dataclass(frozen=True)
class StackRun:
    settings: Settings
    stack: BatchTruth
    corpus_dir: Path
    batch_id: str


@pytest.fixture(scope="module")
def stack_run(sample_corpus: tuple[Path, CorpusTruth], tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[StackRun]:
    from workers.local import run_batch

    corpus_dir, _ = sample_corpus
    stack = BatchTruth.model_validate(json.loads((corpus_dir / "stack.json").read_text()))
    assert not stack.separators and len(stack.documents) >= 5
    settings = load_settings(home=tmp_path_factory.mktemp("stack-home"), broker="stub", worker_threads=2)
    result = run_batch(settings, [corpus_dir / stack.file], service_id=E2E_SERVICE, case_id=CASE)
    yield StackRun(settings, stack, corpus_dir, result.batch_id)


def _documents(run: StackRun) -> list[tuple[int, int, str | None, str]]:
    from workers.bootstrap import build

    broker, context = build(run.settings)
    try:
        with repo.session_scope(context.session_factory) as session:
            return sorted((d.first_page, d.last_page, d.document_type, d.id)
                          for d in repo.documents_of_batch(session, run.batch_id))
    finally:
        broker.close()


def test_a_stack_without_separators_ends_as_its_true_documents_and_types(stack_run: StackRun) -> None:
    found = [(first, last, doc_type) for first, last, doc_type, _ in _documents(stack_run)]
    expected = [(d.first_page, d.last_page, d.document_type) for d in stack_run.stack.documents]
    assert found == expected


def test_the_checklist_sees_every_split_document(stack_run: StackRun) -> None:
    from workers.bootstrap import build

    broker, context = build(stack_run.settings)
    try:
        with repo.session_scope(context.session_factory) as session:
            checklist = repo.get_checklist(session, CASE)
            documents = repo.documents_of_case(session, CASE)
    finally:
        broker.close()
    assert checklist is not None
    filled = {doc_id for item in checklist.items for doc_id in item.document_ids}
    assert filled | set(checklist.extra_document_ids) == {d.id for d in documents}
    present = {d.document_type for d in stack_run.stack.documents}
    for item in checklist.items:
        assert item.status == ("present" if set(item.document_types) & present else "missing"), item.slot


def test_each_split_document_has_its_own_key_fields(stack_run: StackRun) -> None:
    from workers.bootstrap import build

    broker, context = build(stack_run.settings)
    checked = 0
    try:
        with repo.session_scope(context.session_factory) as session:
            for truth_doc in stack_run.stack.documents:
                truth = DocumentTruth.model_validate_json(
                    (stack_run.corpus_dir / "truth" / f"{truth_doc.doc_id}.json").read_text())
                document = next(d for d in repo.documents_of_batch(session, stack_run.batch_id)
                                if d.first_page == truth_doc.first_page)
                extraction = repo.load_step_result(session, document.id, "extract", STEP_VERSIONS["extract"],
                                                   Extraction)
                assert extraction is not None and extraction.document_type == truth.document_type
                values = {f.name: f.value for f in extraction.fields}
                for name in ("personal_number", "nipt"):
                    if name in truth.key_fields:
                        assert values.get(name) == truth.key_fields[name], (truth.document_type, name)
                        checked += 1
    finally:
        broker.close()
    assert checked >= 1


def test_a_redelivered_classification_splits_nothing_twice(stack_run: StackRun) -> None:
    from workers.bootstrap import build
    from workers.steps import classify_document

    before = _documents(stack_run)
    first = before[0][3]
    broker, context = build(stack_run.settings)
    try:
        again = classify_document(context, first)
    finally:
        broker.close()
    assert _documents(stack_run) == before
    # The provisional document names the documents it split off again, in case the first send was lost.
    assert {n.subject_id for n in again if n.step == "classify_document"} == {d[3] for d in before[1:]}
    assert [n.step for n in again].count("redact_document") == 1


_LEASE_PAGES = (
    "Qiradhënësi i jep me qira qiramarrësit banesën në adresën e mësipërme.\n"
    "Neni 1 Objekti i kontratës\nBanesa ka dy dhoma, kuzhinë dhe tualet.\n"
    "Neni 2 Afati\nKontrata lidhet për një periudhë dymbëdhjetë mujore.\n"
    "Neni 3 Qiraja\nQiraja mujore paguhet brenda datës pesë të çdo muaji.",
    "Neni 4 Detyrimet e palëve\nQiramarrësi paguan faturat e energjisë dhe ujit.\n"
    "Neni 5 Zgjidhja e kontratës\nKontrata zgjidhet me njoftim një muaj përpara.\n"
    "QIRADHËNËSI                    QIRAMARRËSI",
)


def _two_page_pdf(path: Path) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 40)
    pages = []
    for text in _LEASE_PAGES:
        page = Image.new("L", (2480, 3508), 255)
        ImageDraw.Draw(page).multiline_text((200, 300), text, fill=0, font=font, spacing=24)
        pages.append(page)
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=300)
    return path


def test_two_multi_page_files_alike_in_text_stay_two_documents(tmp_path: Path) -> None:
    """Two leases handed in as two PDFs, their titles lost and no page numbers: the pages' texts alone would
    make one four-page document of them; the file boundary keeps them apart."""
    from workers.bootstrap import build
    from workers.local import run_batch

    files = [_two_page_pdf(tmp_path / "first.pdf"), _two_page_pdf(tmp_path / "second.pdf")]
    settings = load_settings(home=tmp_path / "home", broker="stub", worker_threads=2)
    result = run_batch(settings, files, service_id=E2E_SERVICE, case_id="C-E2E-FILES")
    broker, context = build(settings)
    try:
        with repo.session_scope(context.session_factory) as session:
            documents = sorted((d.first_page, d.last_page) for d in repo.documents_of_batch(session, result.batch_id))
    finally:
        broker.close()
    assert documents == [(0, 1), (2, 3)]
