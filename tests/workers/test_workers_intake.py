"""Intake reads each file's pages before its signatures (pyHanko is imported only then): the pages keep
their order, errors keep their place, and a file that fails part-way keeps the pages stored before."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pikepdf
import pytest
from PIL import Image

from pipeline.errors import StageError
from stages.images import decode_page
from storage import repository as repo
from storage.blobs import BlobStore
from workers.context import WorkerContext
from workers.steps import intake


def _page(mark: int) -> Image.Image:
    """A page with a block of ink whose width tells it apart (``mark`` tenths of an inch)."""
    pixels = np.full((1100, 850), 255, dtype=np.uint8)
    pixels[200:400, 100:100 + 10 * mark] = 0
    return Image.fromarray(pixels)


def _pdf(marks: list[int]) -> bytes:
    out = io.BytesIO()
    pages = [_page(mark) for mark in marks]
    pages[0].save(out, format="PDF", resolution=100, save_all=True, append_images=pages[1:])
    return out.getvalue()


def _png(mark: int) -> bytes:
    out = io.BytesIO()
    _page(mark).save(out, format="PNG", dpi=(100, 100))
    return out.getvalue()


def _broken_middle_page(data: bytes) -> bytes:
    document = pikepdf.open(io.BytesIO(data))
    image = next(iter(document.pages[1].obj.Resources.XObject.values()))
    image.write(bytes(image.read_raw_bytes())[:600] + b"\x00" * 300, filter=pikepdf.Name.DCTDecode)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _batch(ctx: WorkerContext, files: list[bytes]) -> tuple[str, list[str]]:
    with repo.session_scope(ctx.session_factory) as session:
        case = repo.get_or_create_case(session, None, "blq_strehim_invalidet")
        batch = repo.create_batch(session, case_id=case.id, station="test")
        ids = [repo.add_input_file(session, batch_id=batch.id, filename=f"f{i}", data_sha256=ctx.blobs.put(data),
                                   size_bytes=len(data)).id for i, data in enumerate(files)]
        return batch.id, ids


def _pages(ctx: WorkerContext, batch_id: str) -> list[tuple[str, int, int, str, str | None, int | None]]:
    """(input file, page in file, place in batch, status, error code, ink width in pixels) of each page."""
    with repo.session_scope(ctx.session_factory) as session:
        rows = sorted(repo.pages_of_batch(session, batch_id), key=lambda p: p.batch_index)
        found: list[tuple[str, int, int, str, str | None, int | None]] = []
        for page in rows:
            width = None
            if page.image_blob is not None:
                image = decode_page(ctx.blobs.get(page.image_blob))
                row = image[image.shape[0] * 300 // 1100]  # through the ink block, whatever the dpi
                width = int((row < 128).sum())
            found.append((page.input_file_id, page.source_index, page.batch_index, page.status,
                          page.error_code, width))
        return found


def _ink(mark: int, dpi_from: int = 100, dpi_to: int = 300) -> int:
    return 10 * mark * dpi_to // dpi_from


def test_pages_keep_their_order_and_errors_their_place(ctx: WorkerContext) -> None:
    files = [_broken_middle_page(_pdf([1, 2, 3, 4])), b"not a scan at all", _png(5), _pdf([6, 7])]
    batch_id, ids = _batch(ctx, files)

    next_steps = intake(ctx, batch_id)

    pages = _pages(ctx, batch_id)
    assert [(f, s, b, st) for f, s, b, st, _, _ in pages] == [
        (ids[0], 0, 0, "pending"), (ids[0], 1, 1, "failed"), (ids[0], 2, 2, "pending"), (ids[0], 3, 3, "pending"),
        (ids[1], 0, 4, "failed"), (ids[2], 0, 5, "pending"), (ids[3], 0, 6, "pending"), (ids[3], 1, 7, "pending"),
    ]
    widths = [w for *_, w in pages if w is not None]
    assert widths == pytest.approx([_ink(m) for m in (1, 3, 4, 5, 6, 7)], abs=4)
    assert len(next_steps) == 6 and {n.step for n in next_steps} == {"process_page"}


@dataclasses.dataclass
class _FullDisk:
    """The blob store, refusing every page image after the first ``room`` (the batch's files are in it)."""

    store: BlobStore
    room: int

    def put(self, data: bytes) -> str:
        if self.room == 0:
            raise StageError("no space left for the page")
        self.room -= 1
        return self.store.put(data)

    def get(self, key: str) -> bytes:
        return self.store.get(key)

    def exists(self, key: str) -> bool:
        return self.store.exists(key)

    def size(self, key: str) -> int:
        return self.store.size(key)


def test_a_page_that_cannot_be_stored_ends_its_file_where_it_failed(ctx: WorkerContext) -> None:
    batch_id, ids = _batch(ctx, [_pdf([1, 2, 3, 4, 5])])
    # Two pages fit: the third fails, and the rest of the file with it.
    limited = dataclasses.replace(ctx, blobs=_FullDisk(ctx.blobs, room=2))

    intake(limited, batch_id)

    pages = _pages(ctx, batch_id)
    assert [(f, s, st) for f, s, _, st, _, _ in pages] == [(ids[0], 0, "pending"), (ids[0], 1, "pending")]
    assert [w for *_, w in pages] == pytest.approx([_ink(1), _ink(2)], abs=4)
