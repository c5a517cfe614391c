"""The intake stores a colour page's coloured-ink mask beside its gray image, and the OCR step reads it
back; a gray page has none, and a mask that cannot be read leaves the page to be read by grey alone, with
nothing of it in the log."""

from __future__ import annotations

import io
import logging

import numpy as np
import pytest
from PIL import Image

from stages.images import fit_mask
from storage import repository as repo
from workers.context import WorkerContext
from workers.steps import _colour_ink, intake


def _jpeg(colour: bool) -> bytes:
    pixels = np.full((1100, 850, 3), 250, dtype=np.uint8)
    pixels[200:400, 100:300] = (70, 20, 110) if colour else (40, 40, 40)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=95, dpi=(100, 100))
    return out.getvalue()


def _batch_of(ctx: WorkerContext, files: dict[str, bytes]) -> str:
    with repo.session_scope(ctx.session_factory) as session:
        case = repo.create_case(session, service_id="blq_strehim_invalidet")
        batch = repo.create_batch(session, case_id=case.id, station="test")
        for name, data in files.items():
            repo.add_input_file(session, batch_id=batch.id, filename=name, data_sha256=ctx.blobs.put(data),
                                size_bytes=len(data))
        return str(batch.id)


def test_a_page_with_coloured_ink_keeps_its_mask_and_one_without_has_none(ctx: WorkerContext) -> None:
    # Both scanned in colour; the second page's ink is all black.
    batch_id = _batch_of(ctx, {"a-colour.jpg": _jpeg(True), "b-gray.jpg": _jpeg(False)})
    intake(ctx, batch_id)
    with repo.session_scope(ctx.session_factory) as session:
        pages = sorted(repo.pages_of_batch(session, batch_id), key=lambda p: p.batch_index)
        blobs = [page.colour_ink_blob for page in pages]
    assert blobs[1] is None and blobs[0] is not None
    mask = _colour_ink(ctx, blobs[0])
    assert mask is not None and mask.shape == (550, 425)  # half the scan's size, the page's proportions
    page = fit_mask(mask, (3300, 2550))
    assert page[900, 600] == 255 and page[2000, 2000] == 0
    assert _colour_ink(ctx, None) is None


def test_a_mask_that_cannot_be_read_gives_none_and_logs_no_content(
        ctx: WorkerContext, caplog: pytest.LogCaptureFixture) -> None:
    secret = b"Arben Hoxha J00214665Q"
    with caplog.at_level(logging.WARNING):
        assert _colour_ink(ctx, ctx.blobs.put(secret)) is None
    assert "page colour mask not read" in caplog.text
    assert "Arben" not in caplog.text and "J00214665Q" not in caplog.text
