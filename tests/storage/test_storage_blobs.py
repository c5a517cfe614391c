"""The content-addressed blob store: a local folder and an S3 bucket (a real moto server over HTTP)."""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import boto3
import pytest

from pipeline.errors import NotFoundError
from pipeline.settings import load_settings
from storage.blobs import BlobStore, InvalidBlobKeyError, LocalBlobStore, S3BlobStore, open_blob_store

BAD_KEYS = [
    "../../../../etc/passwd",
    "/etc/passwd",
    "ab/../../" + "0" * 55,
    "A" * 64,  # upper case: not the form put() returns
    "0" * 63,
    "0" * 65,
    "g" * 64,
    "",
    "0" * 63 + "\n",
    "..",
]


def _payloads(count: int, size: int = 2048) -> list[bytes]:
    return [hashlib.sha256(str(i).encode()).digest() * (size // 32) + bytes([i % 256]) for i in range(count)]


def _files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _put_in_process(root: str, data: bytes) -> str:
    return LocalBlobStore(Path(root)).put(data)


# ------------------------------------------------------------------------------------------ local store


def test_local_put_get_round_trip_keyed_by_sha256(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    data = b"%PDF-1.7 sportel test bytes"
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.get(key) == data
    assert store.exists(key)
    assert store.size(key) == len(data)
    # fan-out layout ab/cd/<sha>
    assert _files_under(tmp_path / "blobs") == [tmp_path / "blobs" / key[:2] / key[2:4] / key]


def test_local_put_is_idempotent(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    data = b"same bytes twice"
    first = store.put(data)
    mtime = (tmp_path / first[:2] / first[2:4] / first).stat().st_mtime_ns
    assert store.put(data) == first
    assert _files_under(tmp_path) == [tmp_path / first[:2] / first[2:4] / first]
    assert (tmp_path / first[:2] / first[2:4] / first).stat().st_mtime_ns == mtime  # not rewritten


def test_local_missing_blob_is_not_found(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(missing)
    with pytest.raises(NotFoundError):
        store.get(missing)
    with pytest.raises(NotFoundError):
        store.size(missing)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_local_keys_cannot_leave_the_store(tmp_path: Path, key: str) -> None:
    root = tmp_path / "blobs"
    store = LocalBlobStore(root)
    outside = tmp_path / "secret.txt"
    outside.write_text("outside the store")
    for call in (store.get, store.exists, store.size):
        with pytest.raises(InvalidBlobKeyError) as caught:
            call(key)
        assert "secret" not in str(caught.value) and ".." not in str(caught.value)
    assert not root.exists()


def test_local_concurrent_puts_from_threads(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    payloads = _payloads(8)
    # Every payload is put by four threads at once: same-key writers race on the same target file.
    work = [data for data in payloads for _ in range(4)]
    barrier = threading.Barrier(len(work))

    def put(data: bytes) -> str:
        barrier.wait()
        return store.put(data)

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        keys = list(pool.map(put, work))
    assert keys == [hashlib.sha256(data).hexdigest() for data in work]
    for data in payloads:
        assert store.get(hashlib.sha256(data).hexdigest()) == data
    # no temporary files left behind, exactly one file per distinct blob
    assert len(_files_under(tmp_path)) == len(payloads)


def test_local_concurrent_puts_from_processes(tmp_path: Path) -> None:
    data = _payloads(1, size=256 * 1024)[0]
    with ProcessPoolExecutor(max_workers=3, mp_context=get_context("spawn")) as pool:
        keys = list(pool.map(_put_in_process, [str(tmp_path)] * 6, [data] * 6))
    assert set(keys) == {hashlib.sha256(data).hexdigest()}
    assert LocalBlobStore(tmp_path).get(keys[0]) == data
    assert len(_files_under(tmp_path)) == 1


def test_local_blob_files_are_private(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    key = store.put(b"scanned identity card")
    mode = (tmp_path / key[:2] / key[2:4] / key).stat().st_mode & 0o777
    assert mode & 0o077 == 0, oct(mode)


def test_local_put_survives_its_folder_removed_behind_its_back(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    first = store.put(b"a")
    folder = tmp_path / first[:2]
    for path in sorted(folder.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    folder.rmdir()
    # Same fan-out folder as the first blob (the store remembers it was made): made again.
    same_folder = next(d for d in (str(i).encode() for i in itertools.count())
                       if hashlib.sha256(d).hexdigest()[:4] == first[:4])
    key = store.put(same_folder)
    assert store.get(key) == same_folder


def test_local_put_that_fails_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalBlobStore(tmp_path)

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        store.put(b"half written")
    assert _files_under(tmp_path) == []
    monkeypatch.undo()
    key = store.put(b"half written")
    assert store.get(key) == b"half written"


def test_open_blob_store_local_uses_home(tmp_path: Path) -> None:
    store = open_blob_store(load_settings(home=tmp_path, blob_backend="local"))
    assert isinstance(store, LocalBlobStore)
    key = store.put(b"x")
    assert (tmp_path / "blobs" / key[:2] / key[2:4] / key).is_file()


# --------------------------------------------------------------------------------------------- S3 store

S3_BUCKET = "sportel-test"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    ).create_bucket(Bucket=S3_BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def aws_test_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


@pytest.fixture
def s3_store(moto_endpoint: str, aws_test_credentials: None) -> BlobStore:
    settings = load_settings(blob_backend="s3", s3_bucket=S3_BUCKET, s3_endpoint_url=moto_endpoint)
    return open_blob_store(settings)


def _object_keys(endpoint: str) -> list[str]:
    client = boto3.session.Session().client("s3", endpoint_url=endpoint, region_name="us-east-1")
    listing = client.list_objects_v2(Bucket=S3_BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_s3_put_get_round_trip(s3_store: BlobStore, moto_endpoint: str) -> None:
    assert isinstance(s3_store, S3BlobStore)
    data = b"%PDF-1.7 sportel s3 round trip"
    key = s3_store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert s3_store.get(key) == data
    assert s3_store.exists(key)
    assert s3_store.size(key) == len(data)
    assert f"{key[:2]}/{key[2:4]}/{key}" in _object_keys(moto_endpoint)


def test_s3_put_is_idempotent(s3_store: BlobStore, moto_endpoint: str) -> None:
    data = b"s3 idempotent bytes"
    key = s3_store.put(data)
    before = _object_keys(moto_endpoint)
    assert s3_store.put(data) == key
    assert _object_keys(moto_endpoint) == before


def test_s3_missing_blob_is_not_found(s3_store: BlobStore) -> None:
    missing = hashlib.sha256(b"never stored in s3").hexdigest()
    assert not s3_store.exists(missing)
    with pytest.raises(NotFoundError):
        s3_store.get(missing)
    with pytest.raises(NotFoundError):
        s3_store.size(missing)


@pytest.mark.parametrize("key", BAD_KEYS[:4])
def test_s3_rejects_malformed_keys(s3_store: BlobStore, key: str) -> None:
    for call in (s3_store.get, s3_store.exists, s3_store.size):
        with pytest.raises(InvalidBlobKeyError):
            call(key)


def test_s3_concurrent_puts_from_threads(s3_store: BlobStore) -> None:
    payloads = _payloads(4)
    work = [data for data in payloads for _ in range(3)]
    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        keys = list(pool.map(s3_store.put, work))
    assert keys == [hashlib.sha256(data).hexdigest() for data in work]
    for data in payloads:
        assert s3_store.get(hashlib.sha256(data).hexdigest()) == data
