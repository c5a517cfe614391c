"""The synthetic scan generator: deterministic, valid identifiers, exact truth, files a scanner would write."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import phonenumbers
import pikepdf
import pytest
from idnumbers.nationalid.ALB import NationalID
from PIL import Image
from rapidfuzz import fuzz
from stdnum import iban
from stdnum.al import nipt

from benchmarks.samples.doctypes import CORE_TYPES
from benchmarks.samples.generate import generate_corpus
from benchmarks.samples.truth import BatchTruth, CorpusTruth, DocumentTruth, PageTruth
from pipeline.models import PII_ENTITY_TYPES
from stages.sheets import read_sheet_codes

SERVICE_TYPES = ["family_certificate", "id_card_copy", "residence_certificate", "social_assistance_certificate",
                 "property_certificate", "lease_or_use_contract", "income_proof", "medical_documents",
                 "kmcap_decision"]
"""A service's required types, one of which (kmcap_decision) the generator cannot render."""

Pixels = npt.NDArray[np.uint8]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CorpusTruth]:
    out = tmp_path_factory.mktemp("samples")
    truth = generate_corpus(out, count=12, seed=11, dpi=200, service_required_types=SERVICE_TYPES,
                            service_id="blq_strehim_invalidet", case_id="C-TEST-0042")
    return out, truth


def _all_documents(out: Path, truth: CorpusTruth) -> list[DocumentTruth]:
    documents = list(truth.documents)
    for batch in truth.batches:
        documents += [DocumentTruth.model_validate_json((out / "truth" / f"{d.doc_id}.json").read_text())
                      for d in batch.documents]
    return documents


def _page_pixels(path: Path, index: int) -> Pixels:
    """The stored pixels of one page, as the pipeline would read them."""
    if path.suffix == ".pdf":
        with pikepdf.open(path) as pdf:
            (stream,) = pdf.pages[index].images.values()
            assert isinstance(stream, pikepdf.Stream)
            return np.asarray(pikepdf.PdfImage(stream).as_pil_image(), dtype=np.uint8)
    with Image.open(path) as picture:
        picture.seek(index)
        return np.asarray(picture.convert("L"), dtype=np.uint8)


def _upright(pixels: Pixels, page: PageTruth) -> Pixels:
    """Undo the scan with the truth: turn clockwise by orientation, then counter-clockwise by skew, and cut
    the clean page out of the centre."""
    gray = pixels if pixels.ndim == 2 else np.asarray(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
    upright = np.ascontiguousarray(np.rot90(gray, k=-(page.orientation_deg // 90)))
    h, w = upright.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), page.skew_deg, 1.0)
    straight = np.asarray(cv2.warpAffine(upright, matrix, (w, h), borderValue=255), dtype=np.uint8)
    x0, y0 = (w - page.width) // 2, (h - page.height) // 2
    return straight[y0:y0 + page.height, x0:x0 + page.width]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def test_same_seed_writes_the_same_truth_and_bytes(tmp_path: Path) -> None:
    first = generate_corpus(tmp_path / "a", count=2, seed=5, dpi=100)
    second = generate_corpus(tmp_path / "b", count=2, seed=5, dpi=100)
    other = generate_corpus(tmp_path / "c", count=2, seed=6, dpi=100)
    assert first == second
    assert first != other
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for relative in files:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes(), relative


def test_twelve_documents_cover_the_twelve_core_types(corpus: tuple[Path, CorpusTruth]) -> None:
    out, truth = corpus
    assert len(CORE_TYPES) == 12
    assert sorted(d.document_type for d in truth.documents) == sorted(CORE_TYPES)
    assert CorpusTruth.model_validate_json((out / "corpus.json").read_text()) == truth
    assert {d.language for d in truth.documents} == {"sqi", "eng"}
    assert {d.layout for d in truth.documents} == {"standard"}


def test_every_pii_value_is_valid_for_its_library(corpus: tuple[Path, CorpusTruth]) -> None:
    out, truth = corpus
    seen: set[str] = set()
    for document in _all_documents(out, truth):
        for item in document.pii:
            assert item.entity_type in PII_ENTITY_TYPES
            assert item.value.strip() == item.value and item.value
            seen.add(item.entity_type)
            if item.entity_type == "AL_NIPT":
                assert nipt.is_valid(item.value)
            elif item.entity_type == "IBAN_CODE":
                assert iban.is_valid(item.value) and item.value.startswith("AL")
            elif item.entity_type == "PHONE_NUMBER":
                assert phonenumbers.is_valid_number(phonenumbers.parse(item.value, "AL"))
            elif item.entity_type == "AL_PERSONAL_NUMBER":
                assert NationalID.validate(item.value)
            elif item.entity_type == "EMAIL_ADDRESS":
                assert re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", item.value)
            elif item.entity_type == "AL_VEHICLE_PLATE":
                assert re.fullmatch(r"[A-Z]{2} \d{3} [A-Z]{2}", item.value)
    assert seen == set(PII_ENTITY_TYPES)


def test_pii_boxes_lie_inside_the_clean_page_and_values_are_in_its_text(corpus: tuple[Path, CorpusTruth]) -> None:
    out, truth = corpus
    for document in _all_documents(out, truth):
        assert document.pii, f"{document.doc_id} seeds no PII"
        for item in document.pii:
            page = document.pages[item.page]
            box = item.bbox
            assert 0 <= box.x0 < box.x1 <= page.width and 0 <= box.y0 < box.y1 <= page.height
            assert item.value in page.text
        for page in document.pages:
            assert page.blank == (page.text == "")


def test_no_pii_value_hides_in_the_documents_own_wording(corpus: tuple[Path, CorpusTruth]) -> None:
    """A leak check searches redacted text for PII values; a value that is also part of the ordinary wording
    (a label, a clause, a word boundary) would make that check meaningless."""
    out, truth = corpus
    for document in _all_documents(out, truth):
        values = sorted({p.value for p in document.pii}, key=len, reverse=True)
        wording = ""
        for page in document.pages:
            text = page.text
            for value in values:
                text = text.replace(value, "\n")
            wording += _fold(text)
        hidden = [v for v in values if len(_fold(v)) >= 4 and _fold(v) in wording]
        assert not hidden, f"{document.doc_id}: {len(hidden)} PII values occur in non-PII wording"


def test_batch_starts_with_a_cover_sheet_and_separates_documents(corpus: tuple[Path, CorpusTruth]) -> None:
    out, truth = corpus
    batch = BatchTruth.model_validate_json((out / "batch.json").read_text())
    assert batch == truth.batches[0] and batch.separators
    cover = read_sheet_codes(_page_pixels(out / batch.file, 0))
    assert [(c.kind, c.case_id, c.service_id) for c in cover] == [("cover", "C-TEST-0042", "blq_strehim_invalidet")]
    for previous, document in zip(batch.documents, batch.documents[1:], strict=False):
        assert document.first_page == previous.last_page + 2
        codes = read_sheet_codes(_page_pixels(out / batch.file, previous.last_page + 1))
        assert [c.kind for c in codes] == ["separator"]
    assert batch.documents[0].first_page == 1


def test_batch_holds_the_service_types_but_one_plus_an_extra(corpus: tuple[Path, CorpusTruth]) -> None:
    _, truth = corpus
    batch, stack = truth.batches
    types = [d.document_type for d in batch.documents]
    assert len(types) == len(set(types))
    assert "kmcap_decision" in batch.missing_types
    skipped = [t for t in batch.missing_types if t != "kmcap_decision"]
    assert len(skipped) == 1 and skipped[0] in SERVICE_TYPES
    assert len(batch.extra_types) == 1 and batch.extra_types[0] not in SERVICE_TYPES
    assert set(types) == (set(SERVICE_TYPES) - set(batch.missing_types)) | set(batch.extra_types)
    assert not stack.separators
    assert sorted(d.document_type for d in stack.documents) == sorted(types)
    assert stack.documents[0].first_page == 0
    for previous, document in zip(stack.documents, stack.documents[1:], strict=False):
        assert document.first_page == previous.last_page + 1


def test_files_open_as_image_only_scans_with_the_recorded_page_counts(corpus: tuple[Path, CorpusTruth]) -> None:
    out, truth = corpus
    for document in truth.documents:
        path = out / document.file
        if path.suffix == ".pdf":
            with pikepdf.open(path) as pdf:
                assert len(pdf.pages) == len(document.pages)
                for page in pdf.pages:
                    assert "/Font" not in page.Resources
                    (stream,) = page.images.values()
                    assert stream.Filter == pikepdf.Name.DCTDecode
        else:
            with Image.open(path) as picture:
                assert getattr(picture, "n_frames", 1) == len(document.pages)
                assert round(picture.info["dpi"][0]) == document.dpi
    for batch in truth.batches:
        with pikepdf.open(out / batch.file) as pdf:
            assert len(pdf.pages) == batch.page_count
        assert batch.documents[-1].last_page == batch.page_count - 1


def test_title_reads_back_once_the_scan_is_undone_with_the_truth(corpus: tuple[Path, CorpusTruth]) -> None:
    """One tesseract read: the most skewed document with a printed title, turned back using the truth."""
    import pytesseract

    out, truth = corpus
    candidates = [d for d in truth.documents
                  if d.title_bbox is not None and d.document_type not in ("id_card_copy", "payment_slip")]
    document = max(candidates, key=lambda d: (d.pages[0].orientation_deg != 0, abs(d.pages[0].skew_deg)))
    page = document.pages[0]
    clean = _upright(_page_pixels(out / document.file, 0), page)
    assert clean.shape == (page.height, page.width)
    assert document.title_bbox is not None
    box = document.title_bbox.grow(max(4, document.dpi // 30), page.width, page.height)
    crop = Image.fromarray(clean[box.y0:box.y1, box.x0:box.x1])
    text = pytesseract.image_to_string(crop, lang="sqi+eng", config="--psm 6")
    assert fuzz.ratio(_fold(text), _fold(document.title)) >= 80, (document.doc_id, text, document.title)



def _gray(pixels: Pixels) -> Pixels:
    return pixels if pixels.ndim == 2 else np.asarray(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def _twin_pages(out: Path, truth: CorpusTruth) -> list[tuple[DocumentTruth, PageTruth]]:
    return [(document, page) for document in _all_documents(out, truth) for page in document.pages
            if page.straight_twin is not None]


def test_every_skewed_page_has_a_straight_twin_in_its_own_file_kind(corpus: tuple[Path, CorpusTruth]) -> None:
    out, truth = corpus
    for document in _all_documents(out, truth):
        for page in document.pages:
            assert (page.straight_twin is not None) == (not page.blank and abs(page.skew_deg) > 0.5), page
    pairs = _twin_pages(out, truth)
    assert pairs
    for document, page in pairs:
        assert page.straight_twin is not None
        twin = out / page.straight_twin
        assert twin.suffix == Path(document.file).suffix
        if twin.suffix == ".tif":
            with Image.open(out / document.file) as scanned, Image.open(twin) as straight:
                assert straight.mode == scanned.mode  # a bilevel scan's twin is bilevel too


def test_a_twin_is_its_skewed_page_scanned_straight(corpus: tuple[Path, CorpusTruth]) -> None:
    """The twin holds the clean page in an unskewed frame, turned as its skewed page was, and matches that
    page undone with the truth far better than it matches another page."""
    out, truth = corpus
    pairs = _twin_pages(out, truth)
    upright = []
    for _, page in pairs:
        assert page.straight_twin is not None
        twin = cv2.GaussianBlur(_gray(_page_pixels(out / page.straight_twin, 0)).astype(np.float32), (0, 0), 3)
        upright.append(np.rot90(twin, k=-(page.orientation_deg // 90)))
    first_page = {d.doc_id: d.first_page for batch in truth.batches for d in batch.documents}
    compared = 0
    for i, (document, page) in enumerate(pairs):
        assert upright[i].shape == (page.height, page.width)
        scanned = _page_pixels(out / document.file, first_page.get(document.doc_id, 0) + page.index)
        undone = cv2.GaussianBlur(_upright(scanned, page).astype(np.float32), (0, 0), 3)
        same = float(np.abs(undone - upright[i]).mean())
        others = [float(np.abs(undone - o).mean()) for j, o in enumerate(upright) if j != i and o.shape == undone.shape]
        if others:
            compared += 1
            assert same < 0.5 * min(others), (document.doc_id, page.index, same, min(others))
    assert compared >= len(pairs) // 2


def test_twins_take_nothing_from_the_corpus_random_streams(tmp_path: Path) -> None:
    with_twins = generate_corpus(tmp_path / "a", count=3, seed=8, dpi=100)
    without = generate_corpus(tmp_path / "b", count=3, seed=8, dpi=100, straight_twins=False)
    assert any(p.straight_twin for d in with_twins.documents for p in d.pages)
    assert not (tmp_path / "b" / "straight").exists()
    stripped = [d.model_copy(update={"pages": [p.model_copy(update={"straight_twin": None}) for p in d.pages]})
                for d in with_twins.documents]
    assert stripped == without.documents and with_twins.batches == without.batches
    for path in (tmp_path / "b").rglob("*"):
        if path.is_file() and path.suffix != ".json":
            assert path.read_bytes() == (tmp_path / "a" / path.relative_to(tmp_path / "b")).read_bytes(), path
