"""A step's outputs stored side by side: every key back in order, nothing left running on return."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from storage.blobs import LocalBlobStore, blob_key
from workers.storing import put_all


class _DiskFull(OSError):
    pass


class _FailingOn(LocalBlobStore):
    """A real blob folder whose disk is full for one of the items; records when each write ended."""

    def __init__(self, root: Path, failing: bytes, slow: bytes | None = None) -> None:
        super().__init__(root)
        self.failing, self.slow = failing, slow
        self.ended: dict[bytes, float] = {}

    def put(self, data: bytes) -> str:
        try:
            if data == self.slow:
                time.sleep(0.2)
            if data == self.failing:
                raise _DiskFull("no space left on device")
            return super().put(data)
        finally:
            self.ended[data] = time.monotonic()


def test_every_item_is_stored_and_its_key_returned_in_order(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    items = [b"archival copy" * 1000, b"redacted copy" * 900, b"third"]
    keys = put_all(store, items)
    assert keys == [blob_key(item) for item in items]
    assert [store.get(key) for key in keys] == items


class _Recording(LocalBlobStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.threads: dict[bytes, int] = {}

    def put(self, data: bytes) -> str:
        self.threads[data] = threading.get_ident()
        return super().put(data)


def test_a_lone_item_is_stored_in_the_calling_thread_and_others_beside_it(tmp_path: Path) -> None:
    store = _Recording(tmp_path)
    assert put_all(store, []) == []
    assert put_all(store, [b"only one"]) == [blob_key(b"only one")]
    assert store.threads == {b"only one": threading.get_ident()}
    put_all(store, [b"first", b"second"])
    assert store.threads[b"first"] == threading.get_ident()
    assert store.threads[b"second"] != threading.get_ident()


def test_a_failed_later_write_is_raised_after_the_others_are_stored(tmp_path: Path) -> None:
    store = _FailingOn(tmp_path, failing=b"second")
    with pytest.raises(_DiskFull):
        put_all(store, [b"first", b"second"])
    assert store.get(blob_key(b"first")) == b"first"
    assert not store.exists(blob_key(b"second"))


def test_a_failed_first_write_waits_for_the_writes_still_running(tmp_path: Path) -> None:
    store = _FailingOn(tmp_path, failing=b"first", slow=b"second")
    with pytest.raises(_DiskFull):
        put_all(store, [b"first", b"second"])
    returned = time.monotonic()
    assert store.ended[b"second"] <= returned
    assert store.get(blob_key(b"second")) == b"second"
