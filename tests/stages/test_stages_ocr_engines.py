"""Which tesserocr engine a read gets: the thread's own for pages and page languages, one engine per process
for short reads in a single language, taken in turn. And the page OCR's contrast step keeps one page-sized
array, not two."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from stages.ocr import letter_confidence, recognize, tessdata_dir, tesserocr_engine
from stages.ocr_image import even_contrast
from tests.memory import traced_peak
from tests.stages.conftest import DPI, Gray

pytest.importorskip("tesserocr")

SPARSE = 11


def _in_thread(work: Callable[[], Any]) -> Any:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join()
    return result[0]


def _engine_of(lang: str, *, page: bool = False) -> Any:
    with tesserocr_engine(lang, SPARSE, tessdata_dir(), page=page) as api:
        return api


def test_short_reads_in_one_language_share_one_engine_across_threads() -> None:
    assert _in_thread(lambda: _engine_of("sqi")) is _in_thread(lambda: _engine_of("sqi"))


def test_page_reads_and_page_languages_get_an_engine_per_thread() -> None:
    assert _in_thread(lambda: _engine_of("sqi", page=True)) is not _in_thread(lambda: _engine_of("sqi", page=True))
    assert _in_thread(lambda: _engine_of("sqi+eng")) is not _in_thread(lambda: _engine_of("sqi+eng"))


def test_a_thread_that_reads_pages_in_a_language_reads_short_reads_with_its_own_engine() -> None:
    def both() -> tuple[Any, Any]:
        return _engine_of("eng", page=True), _engine_of("eng")

    own, short = _in_thread(both)
    assert own is short and own is not _engine_of("eng")


def test_a_shared_engine_serves_one_thread_at_a_time() -> None:
    holding, release = threading.Event(), threading.Event()
    second_in: list[bool] = []

    def first() -> None:
        with tesserocr_engine("eng", SPARSE, tessdata_dir()):
            holding.set()
            release.wait(10)

    def second() -> None:
        with tesserocr_engine("eng", SPARSE, tessdata_dir()):
            second_in.append(True)

    one = threading.Thread(target=first)
    one.start()
    assert holding.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.3)
    assert second_in == []  # waits while the first holds the engine
    release.set()
    one.join()
    two.join(10)
    assert second_in == [True]


def test_pages_read_in_two_threads_at_once_read_as_in_one(albanian_page: Gray) -> None:
    # Both threads re-read suspect words and probe with the shared single-language engines meanwhile.
    alone = recognize(albanian_page, page_index=0, dpi=DPI, lang="sqi+eng", engine="tesserocr")
    results: list[Any] = [None, None]

    def read(slot: int) -> None:
        results[slot] = recognize(albanian_page, page_index=0, dpi=DPI, lang="sqi+eng", engine="tesserocr")

    threads = [threading.Thread(target=read, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results[0] == alone and results[1] == alone
    assert letter_confidence(alone.words) > 80


def test_even_contrast_keeps_one_page_sized_array(albanian_page: Gray) -> None:
    even_contrast(albanian_page, dpi=DPI)  # OpenCV's own first-call allocations out of the count
    evened, peak = traced_peak(lambda: even_contrast(albanian_page, dpi=DPI))
    assert evened.shape == albanian_page.shape
    # The result (the threshold surface it is written over) and arrays of a band or a cell a pixel: no
    # filtered half page in float32 (the page's size in bytes again), nor sampled views keeping one alive.
    assert peak < 1.2 * albanian_page.nbytes
