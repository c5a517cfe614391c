"""Redaction and its proof on generated documents: pixels, text layer, file structure; and verification
catching a bad redaction."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from numpy.typing import NDArray

from pipeline.models import BBox, PageOcr, PiiFinding, RedactionReport
from privacy.redact import RedactedImages, build_redacted_pdf, redact_image, redact_page_ocr, sanitize_pdf
from privacy.verify import verify_redaction
from tests.privacy.conftest import OcrPage, Rendered, leaked, ocr

pytestmark = pytest.mark.xdist_group("privacy_pages")

DOCUMENT_PAGES = ("certifikate", "kontrate", "familjare-skanim-i-dobet")
LANG = "sqi+eng"


@dataclass(frozen=True)
class Document:
    pages: list[OcrPage]
    findings: list[list[PiiFinding]]
    pdf: bytes
    images: RedactedImages

    @property
    def all_findings(self) -> list[PiiFinding]:
        return [f for found in self.findings for f in found]

    @property
    def page_indices(self) -> list[int]:
        return [p.page.page_index for p in self.pages]

    @property
    def rendered(self) -> list[Rendered]:
        return [p.rendered for p in self.pages]


@pytest.fixture(scope="module")
def document(ocr_pages: list[OcrPage], detections: list[list[PiiFinding]]) -> Document:
    chosen = [(p, d) for p, d in zip(ocr_pages, detections, strict=True) if p.rendered.name in DOCUMENT_PAGES]
    pdf, images = build_redacted_pdf([(p.rendered.image, p.page, d) for p, d in chosen])
    return Document([p for p, _ in chosen], [d for _, d in chosen], pdf, images)


@pytest.fixture(scope="module")
def report(document: Document) -> RedactionReport:
    return verify_redaction(document.pdf, document.all_findings, document.images, lang=LANG,
                            page_indices=document.page_indices)


def rebuild(images: Sequence[NDArray[np.uint8]], pages: list[PageOcr]) -> bytes:
    from stages.textlayer import build_pdf

    return sanitize_pdf(build_pdf(list(zip(images, pages, strict=True))))


def failed(report: RedactionReport) -> set[str]:
    return {check.name for check in report.checks if not check.passed}


# ---------------------------------------------------------------------------------------- the pixels


def _finding(box: BBox, value: str = "x") -> PiiFinding:
    return PiiFinding(entity_type="PERSON", page_index=0, bbox=box, score=0.9, value=value)


def test_boxes_are_black_and_the_rest_untouched() -> None:
    image = np.full((200, 300), 200, dtype=np.uint8)
    findings = [_finding(BBox(x0=10, y0=20, x1=60, y1=40)), _finding(BBox(x0=280, y0=180, x1=300, y1=200))]
    redacted = redact_image(image, findings, margin_px=4)
    assert (redacted[16:44, 6:64] == 0).all()
    assert (redacted[176:200, 276:300] == 0).all()
    untouched = np.ones(image.shape, dtype=bool)
    untouched[16:44, 6:64] = untouched[176:200, 276:300] = False
    assert (redacted[untouched] == 200).all()
    assert (image == 200).all(), "the input image was modified"


def test_colour_images_are_blacked_in_every_channel() -> None:
    image = np.full((50, 50, 3), 255, dtype=np.uint8)
    redacted = redact_image(image, [_finding(BBox(x0=5, y0=5, x1=20, y1=20))], margin_px=0)
    assert (redacted[5:20, 5:20] == 0).all() and redacted.shape == image.shape


def test_covered_words_leave_the_text_layer_and_labels_stay(document: Document) -> None:
    for page, findings in zip(document.pages, document.findings, strict=True):
        kept = redact_page_ocr(page.page, findings)
        assert len(kept.words) < len(page.page.words)
        assert not any(w.bbox.intersection_area(f.bbox) > 0.1 * w.bbox.width * w.bbox.height
                       for w in kept.words for f in findings)
        assert any(w.text in ("Emri:", "Qiradhënësi:", "Emri", "NIPT") for w in kept.words)
        assert leaked(" ".join(w.text for w in kept.words), [page.rendered]) == []


# ------------------------------------------------------------------------------------ the redacted PDF


def test_pdftotext_finds_no_seeded_value(document: Document, tmp_path: Path) -> None:
    path = tmp_path / "redacted.pdf"
    path.write_bytes(document.pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert "SHQIPËRISË" in text or "QIRAJEJE" in text, "the text layer lost more than the values"
    assert leaked(text, document.rendered) == []


def test_ocr_of_the_rendered_pages_finds_no_seeded_value(document: Document, tmp_path: Path) -> None:
    path = tmp_path / "redacted.pdf"
    path.write_bytes(document.pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(path), str(tmp_path / "page")], check=True)
    rendered = sorted(tmp_path.glob("page*.png"))
    assert len(rendered) == len(document.pages)
    from PIL import Image

    texts = [ocr(np.asarray(Image.open(png).convert("L"), dtype=np.uint8)).text for png in rendered]
    assert any("CERTIFIKATË" in t or "KONTRATË" in t for t in texts), "the rendered pages lost their text"
    assert leaked("\n".join(texts), document.rendered) == []


def test_redacted_pdf_has_no_metadata_and_one_revision(document: Document) -> None:
    with pikepdf.open(io.BytesIO(document.pdf)) as pdf:
        assert "/Info" not in pdf.trailer
        assert "/Metadata" not in pdf.Root and "/AcroForm" not in pdf.Root and "/Names" not in pdf.Root
        assert all("/Annots" not in page.obj for page in pdf.pages)
        assert len(pdf.pages) == len(document.pages)
    assert document.pdf.count(b"startxref") == 1


def test_verification_passes_on_a_good_redaction(document: Document, report: RedactionReport) -> None:
    assert report.verified, [c for c in report.checks if not c.passed]
    assert report.boxes == len(document.all_findings)
    assert {c.name for c in report.checks} == {
        "values_known", "pdftotext", "content_streams", "objects", "metadata", "opaque_boxes", "ocr_regions",
    }


def test_pages_are_placed_without_indices(document: Document) -> None:
    """A document's pages are a run of the batch: findings on its first and last page pin the run down,
    and where they do not, the black boxes do."""
    shifted = [[f.model_copy(update={"page_index": 40 + n}) for f in found]
               for n, found in enumerate(document.findings)]
    assert verify_redaction(document.pdf, [f for found in shifted for f in found], document.images,
                            lang=LANG).verified
    assert verify_redaction(document.pdf, shifted[1], document.images, lang=LANG).verified
    too_far_apart = shifted[0] + [f.model_copy(update={"page_index": 45}) for f in shifted[2]]
    assert failed(verify_redaction(document.pdf, too_far_apart, document.images, lang=LANG)) == {"pages"}


# ------------------------------------------------------------------------------ a bad redaction fails


def test_fails_when_the_text_layer_keeps_the_words(document: Document) -> None:
    pdf = rebuild(document.images, [p.page for p in document.pages])
    report = verify_redaction(pdf, document.all_findings, document.images, lang=LANG,
                              page_indices=document.page_indices)
    assert not report.verified
    assert {"pdftotext", "content_streams", "objects"} <= failed(report)
    assert "opaque_boxes" not in failed(report)
    assert_no_values_in_details(report, document)


def test_fails_on_a_transparent_box(document: Document) -> None:
    """Boxes in the caller's images, but the PDF made from the unredacted scans: what a reader sees leaks."""
    originals = [p.rendered.image for p in document.pages]
    texts = [redact_page_ocr(p.page, found) for p, found in zip(document.pages, document.findings, strict=True)]
    pdf = rebuild(originals, texts)
    report = verify_redaction(pdf, document.all_findings, document.images, lang=LANG,
                              page_indices=document.page_indices)
    assert not report.verified
    assert {"opaque_boxes", "ocr_regions"} <= failed(report)
    assert "pdftotext" not in failed(report)
    assert_no_values_in_details(report, document)


def test_fails_on_a_grey_box(document: Document) -> None:
    grey = [np.maximum(image, 140).astype(np.uint8) for image in document.images]
    texts = [redact_page_ocr(p.page, found) for p, found in zip(document.pages, document.findings, strict=True)]
    report = verify_redaction(rebuild(grey, texts), document.all_findings, grey, lang=LANG,
                              page_indices=document.page_indices)
    assert "opaque_boxes" in failed(report)


def test_fails_on_metadata_holding_a_value(document: Document) -> None:
    name = next(f.value for f in document.all_findings if f.entity_type == "PERSON")
    with pikepdf.open(io.BytesIO(document.pdf)) as pdf:
        pdf.trailer.Info = pikepdf.Dictionary(Title=pikepdf.String(f"Kërkesë e {name}"))
        with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
            xmp["dc:creator"] = [name]
        out = io.BytesIO()
        pdf.save(out)
    report = verify_redaction(out.getvalue(), document.all_findings, document.images, lang=LANG,
                              page_indices=document.page_indices)
    assert {"metadata", "objects"} <= failed(report)
    assert_no_values_in_details(report, document)


def _incremental_update(data: bytes, text: bytes) -> bytes:
    """``data`` with an incremental update appended that adds one string object, as editors save."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        size, root = int(pdf.trailer.Size), pdf.Root.objgen
    previous = int(data[data.rindex(b"startxref") + 9 :].split()[0])
    body = b"\n%d 0 obj\n(%s)\nendobj\n" % (size, text)
    xref_at = len(data) + len(body)
    xref = (b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (size, len(data) + 1)
            + b"trailer\n<< /Size %d /Root %d %d R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (size + 1, root[0], root[1], previous, xref_at))
    return data + body + xref


def test_fails_on_an_appended_revision(document: Document) -> None:
    updated = _incremental_update(document.pdf, b"draft")
    with pikepdf.open(io.BytesIO(updated)) as pdf:
        assert len(pdf.pages) == len(document.pages), "the updated file does not open as a PDF"
    report = verify_redaction(updated, document.all_findings, document.images, lang=LANG,
                              page_indices=document.page_indices)
    assert "metadata" in failed(report)


def test_fails_when_values_are_unknown(document: Document) -> None:
    blank = [f.model_copy(update={"value": ""}) for f in document.all_findings]
    report = verify_redaction(document.pdf, blank, document.images, lang=LANG, page_indices=document.page_indices)
    assert failed(report) == {"values_known"}


def assert_no_values_in_details(report: RedactionReport, document: Document) -> None:
    details = " ".join(c.detail for c in report.checks)
    assert leaked(details, document.rendered) == []


def test_shown_text_is_decoded_through_the_fonts_unicode_map(document: Document) -> None:
    """The text layer's subset font gives "Ë" a one-byte code: only its /ToUnicode map reads it back."""
    from privacy.pdf_text import shown_texts

    pdf = rebuild(document.images, [p.page for p in document.pages])
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        shown = "\n".join(shown_texts(opened))
    assert "SHQIPËRISË" in shown
    assert leaked(shown, document.rendered) != []


# --------------------------------------------------------------------------------------- sanitizing


def test_sanitize_strips_everything_that_could_leak() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    pdf.trailer.Info = pikepdf.Dictionary(Author=pikepdf.String("Arben Hoxha"))
    with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:title"] = "Arben Hoxha"
    page.obj.Annots = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[0, 0, 10, 10],
        Contents=pikepdf.String("I50312045K"))]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array())
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    pdf.attachments["secret.txt"] = pikepdf.AttachedFileSpec(
        pdf, b"Arben Hoxha I50312045K", description="Arben Hoxha", filename="secret.txt", mime_type="text/plain",
        creation_date="", mod_date="")
    page.obj.Thumb = pdf.make_stream(b"\x00" * 12)
    dirty = io.BytesIO()
    pdf.save(dirty)

    clean = sanitize_pdf(dirty.getvalue())
    assert b"Arben" not in clean and b"I50312045K" not in clean
    with pikepdf.open(io.BytesIO(clean)) as result:
        assert "/Info" not in result.trailer
        for key in ("/Metadata", "/AcroForm", "/OpenAction", "/Names"):
            assert key not in result.Root
        assert "/Annots" not in result.pages[0].obj and "/Thumb" not in result.pages[0].obj
        assert len(result.attachments) == 0
    assert clean.count(b"startxref") == 1


def test_a_document_is_redacted_a_page_at_a_time(document: Document) -> None:
    """Each page image is released before the next is read: a long document's images are never all in
    memory, only their redacted JPEGs."""
    import gc
    import weakref

    from privacy.document import redact_document_pages

    alive: list[weakref.ref[NDArray[np.uint8]]] = []
    held_when_read: list[int] = []

    def pages() -> Iterator[tuple[NDArray[np.uint8], PageOcr]]:
        for page in document.pages:
            gc.collect()
            held_when_read.append(sum(ref() is not None for ref in alive))
            image = page.rendered.image.copy()  # what decoding a stored page gives: a fresh array
            alive.append(weakref.ref(image))
            yield image, page.page
            del image

    redacted = redact_document_pages(pages(), None, lang=LANG, findings=document.findings)
    assert held_when_read == [0] * len(document.pages)
    assert redacted.report.verified, [c for c in redacted.report.checks if not c.passed]
    assert len(redacted.images) == len(document.pages)
    assert all((image == document.images[n]).all() for n, image in enumerate(redacted.images))


def test_verification_decodes_a_page_once_when_the_pdf_embeds_its_jpeg(
    document: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The redacted PDF embeds each redacted JPEG byte for byte: the pixels decoded from the PDF are the
    redacted image's own, and the image is not decoded a second time. (A PDF embedding other bytes is
    checked against both: test_fails_on_a_transparent_box.)"""
    import privacy.redact
    import stages.images

    decoded: list[int] = []
    decode_gray = stages.images.decode_gray

    def counting(data: bytes) -> NDArray[np.uint8]:
        decoded.append(len(data))
        return decode_gray(data)

    monkeypatch.setattr(privacy.redact, "decode_gray", counting)
    report = verify_redaction(document.pdf, document.all_findings, document.images, lang=LANG,
                              page_indices=document.page_indices)
    assert report.verified, [c for c in report.checks if not c.passed]
    assert decoded == []
    monkeypatch.undo()
    assert all(document.images.encoded(n) in document.pdf for n in range(len(document.images)))
