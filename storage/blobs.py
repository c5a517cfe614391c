"""Content-addressed blob storage: a blob's key is the sha256 hex digest of its bytes.

Because a key names its content, ``put`` is idempotent and two processes writing the same bytes at once
cannot disagree. Keys are validated before they touch a path or an object name, so a key can never walk
out of the store.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.errors import ConfigurationError, NotFoundError

if TYPE_CHECKING:
    from pipeline.settings import Settings

_KEY = re.compile(r"[0-9a-f]{64}")


class InvalidBlobKeyError(NotFoundError):
    """A key that is not a lowercase sha256 hex digest: no blob can ever have it."""

    code = "invalid_blob_key"


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data`` and return its key (sha256 hex). Storing the same bytes again is a no-op."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; :class:`NotFoundError` if there are none."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """Size in bytes of the blob under ``key``; :class:`NotFoundError` if there is none."""
        ...


def blob_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    # The key itself is not echoed: a malformed one may be whatever a caller sent.
    if not isinstance(key, str) or _KEY.fullmatch(key) is None:
        raise InvalidBlobKeyError("blob key is not a lowercase sha256 hex digest")
    return key


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fan_out(key: str) -> str:
    """``ab/cd/abcd...``: keeps any one folder (or S3 prefix) from holding millions of entries."""
    return f"{key[:2]}/{key[2:4]}/{key}"


class LocalBlobStore:
    """Blobs as files under ``root/ab/cd/<sha256>``, written atomically (temporary file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folders: set[Path] = set()

    def _path(self, key: str) -> Path:
        return self.root / _fan_out(check_key(key))

    def put(self, data: bytes) -> str:
        key = blob_key(data)
        path = self._path(key)
        if path.is_file():
            return key
        # The temporary file sits next to its target so that os.replace stays on one filesystem and is
        # atomic: a reader in any process sees either no blob or the whole blob, never a partial one.
        # Written with bare os calls: every system call lets go of the GIL and may wait up to a switch
        # interval to get it back while another worker thread runs Python, and a buffered file object
        # (mkstemp, fdopen) adds five calls to the five needed (open, write, fsync, close, rename).
        tmp = path.parent / f".tmp-{secrets.token_hex(8)}"
        try:
            fd = self._create(tmp)
            try:
                _write_all(fd, data)
                # The database row naming this key is committed right after; the bytes must outlive a crash.
                os.fsync(fd)
            finally:
                os.close(fd)
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return key

    def _create(self, tmp: Path) -> int:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        folder = tmp.parent
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        try:
            return os.open(tmp, flags, 0o600)
        except FileNotFoundError:  # the folder was removed behind this process's back: make it again
            folder.mkdir(parents=True, exist_ok=True)
            return os.open(tmp, flags, 0o600)

    def get(self, key: str) -> bytes:
        # Bare os calls for the reason given in put(): open, fstat, read, close (read_bytes makes eight).
        try:
            fd = os.open(self._path(key), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise NotFoundError(f"blob {key} not found") from None
        try:
            size = os.fstat(fd).st_size
            data = os.read(fd, size)
            if len(data) == size:
                return data
            parts = [data]  # a read may return less than asked (network file systems): read on
            while chunk := os.read(fd, max(size, 1 << 16)):
                parts.append(chunk)
            return b"".join(parts)
        finally:
            os.close(fd)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise NotFoundError(f"blob {key} not found") from None


class S3BlobStore:
    """Blobs as objects ``ab/cd/<sha256>`` in an S3-compatible bucket (AWS, MinIO, Ceph, ...).

    Credentials come from boto3's usual chain (environment, profile, instance role); the bucket must exist.
    """

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str = "us-east-1",
                 client: Any | None = None) -> None:
        self.bucket = bucket
        if client is None:
            import boto3

            # A session of our own: boto3's default session is not safe to share between threads.
            client = boto3.session.Session().client("s3", endpoint_url=endpoint_url, region_name=region)
        self._client = client

    def _is_missing(self, exc: Exception) -> bool:
        from botocore.exceptions import ClientError

        if not isinstance(exc, ClientError):
            return False
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}

    def put(self, data: bytes) -> str:
        key = blob_key(data)
        if not self.exists(key):
            self._client.put_object(Bucket=self.bucket, Key=_fan_out(key), Body=data,
                                    ContentType="application/octet-stream")
        return key

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=_fan_out(check_key(key)))
        except Exception as exc:
            if self._is_missing(exc):
                raise NotFoundError(f"blob {key} not found") from None
            raise
        body: bytes = response["Body"].read()
        return body

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self._client.head_object(Bucket=self.bucket, Key=_fan_out(check_key(key)))
        except Exception as exc:
            if self._is_missing(exc):
                return None
            raise
        return head

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise NotFoundError(f"blob {key} not found")
        return int(head["ContentLength"])


def open_blob_store(settings: Settings) -> BlobStore:
    """The blob store the settings choose: a local folder (default) or an S3-compatible bucket."""
    if settings.blob_backend == "local":
        return LocalBlobStore(settings.resolved_blob_dir)
    if settings.blob_backend == "s3":
        return S3BlobStore(settings.s3_bucket, endpoint_url=settings.s3_endpoint_url,
                           region=settings.s3_region)
    raise ConfigurationError(f"unknown blob backend {settings.blob_backend!r}")
