"""A signing thread keeps one HTTP client for its timestamp requests and revocation fetches: pyHanko's
clients would otherwise make a new one, with a new TLS context (certifi's roots parsed again, 14 ms of
CPU), for every request."""

from __future__ import annotations

import ssl
import threading
from typing import Any

import pytest

import stages.sign_loop
from stages.sign import SigningSession, load_signer
from stages.sign_loop import SigningThreads
from tests.signing.conftest import LocalPki, make_pdf

REASON = "Kopje arkivore e skanuar nga Sportel"


def test_b_lta_signatures_of_one_thread_share_one_tls_context(local_pki: LocalPki,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    create = ssl.create_default_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(1)
        return create(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    stages.sign_loop._tls_context.cache_clear()
    session = SigningSession(load_signer(local_pki.config()), trust_roots=[local_pki.root_cert],
                             timestamp_url=local_pki.tsa_url)
    try:
        for _ in range(3):  # each one: a timestamp, revocation fetches, a document timestamp
            _, report = session.sign(make_pdf(1), level="B-LTA", reason=REASON)
            assert report.valid
    finally:
        session.close_thread()
        stages.sign_loop._tls_context.cache_clear()
    assert len(made) == 1


def test_each_thread_keeps_its_own_client_until_it_closes() -> None:
    threads = SigningThreads(timeout_s=5)
    first = threads.http()
    assert threads.http() is first
    stamper = threads.timestamper("http://127.0.0.1:9/tsa")
    assert threads.timestamper("http://127.0.0.1:9/tsa") is stamper

    other: list[Any] = []

    def elsewhere() -> None:
        other.append(threads.http())
        threads.close()

    worker = threading.Thread(target=elsewhere)
    worker.start()
    worker.join()
    assert other[0] is not first and other[0].closed
    assert not first.closed

    threads.close()
    assert first.closed
    again = threads.http()  # a thread that signs after closing gets a new loop and client
    assert again is not first and not again.closed
    assert threads.timestamper("http://127.0.0.1:9/tsa") is not stamper
    threads.close()
    assert again.closed
