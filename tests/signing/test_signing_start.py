"""The signing session is opened when a worker starts (key opened, certificate checked online), so no
document's sign step pays for it; a check that fails at start still leaves signing fail-closed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dramatiq
import pytest

import stages.sign
from pipeline.errors import SigningError
from pipeline.settings import load_settings
from stages.sign import SigningCredentialError, SigningSession, load_signer
from tests.signing.conftest import LocalPki, closed_port, make_pdf
from workers.bootstrap import OPEN_SIGNING_THREAD, build
from workers.context import WorkerContext
from workers.signing import sign_and_validate

REASON = "Kopje arkivore e skanuar nga Sportel"


@pytest.fixture
def online_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per validation context built for an online check of the signing certificate."""
    built: list[int] = []
    build_context = stages.sign.build_validation_context

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return build_context(*args, **kwargs)

    monkeypatch.setattr(stages.sign, "build_validation_context", counting)
    return built


def test_a_session_checked_at_start_signs_without_checking_again(local_pki: LocalPki, online_checks: list[int]) -> None:
    session = SigningSession(load_signer(local_pki.config()), trust_roots=[local_pki.root_cert])
    session.check_certificates()
    assert len(online_checks) == 1

    for _ in range(2):
        _, report = session.sign(make_pdf(1), level="B-B", reason=REASON)
        assert report.valid

    assert len(online_checks) == 1


def test_the_check_at_start_runs_where_an_event_loop_already_runs(local_pki: LocalPki) -> None:
    """``sportel serve`` starts its embedded workers from the server's event loop; the start-up check must
    still run (not fail on ``asyncio.run`` inside a loop) and still fail closed on a revoked certificate."""
    import asyncio

    async def from_a_loop(session: SigningSession) -> None:
        session.check_certificates()

    good = SigningSession(load_signer(local_pki.config()), trust_roots=[local_pki.root_cert])
    asyncio.run(from_a_loop(good))
    _, report = good.sign(make_pdf(1), level="B-B", reason=REASON)
    assert report.valid

    revoked = SigningSession(load_signer(local_pki.config("signer-revoked")), trust_roots=[local_pki.root_cert])
    with pytest.raises(SigningCredentialError, match="revoked"):
        asyncio.run(from_a_loop(revoked))


def test_the_warm_up_signature_runs_where_an_event_loop_already_runs(local_pki: LocalPki) -> None:
    import asyncio

    session = SigningSession(load_signer(local_pki.config()), trust_roots=[local_pki.root_cert])
    session.check_certificates()

    async def from_a_loop() -> None:
        session.warm_up()

    asyncio.run(from_a_loop())
    _, report = session.sign(make_pdf(1), level="B-B", reason=REASON)
    assert report.valid


_FIRST_SIGNATURE = """
import sys, tempfile
from pathlib import Path
from pipeline.settings import load_settings
from tests.signing.conftest import make_pdf
from workers.context import WorkerContext
from workers.signing import open_signing_session, sign_and_validate

pdf = make_pdf(1)
with tempfile.TemporaryDirectory() as home:
    ctx = WorkerContext.from_settings(load_settings(home=Path(home)))
    assert open_signing_session(ctx)
    before = set(sys.modules)
    _, report = sign_and_validate(ctx, pdf, level="B-B", reason="Kopje arkivore")
    assert report.valid
    print(sorted(set(sys.modules) - before))
"""


def test_the_first_document_signed_after_start_loads_no_more_code() -> None:
    """What a process's first signature loads (pyHanko imports some modules on first use) is loaded when
    the session opens at worker start, by a blank page signed and discarded: in a fresh interpreter, the
    first document's signature imports nothing."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    completed = subprocess.run([sys.executable, "-c", _FIRST_SIGNATURE], cwd=root, capture_output=True,
                               text=True, timeout=120, check=True)

    assert completed.stdout.strip() == "[]"


def test_a_session_not_checked_at_start_checks_on_its_first_signature(
    local_pki: LocalPki, online_checks: list[int]
) -> None:
    session = SigningSession(load_signer(local_pki.config()), trust_roots=[local_pki.root_cert])
    for _ in range(2):
        session.sign(make_pdf(1), level="B-B", reason=REASON)

    assert len(online_checks) == 1


def test_revoked_certificate_fails_at_start_and_at_signing(local_pki: LocalPki) -> None:
    session = SigningSession(load_signer(local_pki.config("signer-revoked")), trust_roots=[local_pki.root_cert])
    with pytest.raises(SigningCredentialError, match="revoked"):
        session.check_certificates()
    with pytest.raises(SigningCredentialError, match="revoked"):
        session.sign(make_pdf(1), level="B-B", reason=REASON)


def test_unreachable_revocation_service_at_start_leaves_signing_to_fail_and_retry(local_pki: LocalPki) -> None:
    session = SigningSession(load_signer(local_pki.config("signer-offline")), trust_roots=[local_pki.root_cert])
    with pytest.raises(SigningError, match="revocation status") as at_start:
        session.check_certificates()
    assert at_start.value.retryable

    with pytest.raises(SigningError, match="revocation status") as at_signing:
        session.sign(make_pdf(1), level="B-B", reason=REASON)
    assert at_signing.value.retryable


def test_timestamp_authority_is_checked_at_start_too(local_pki: LocalPki, online_checks: list[int]) -> None:
    session = SigningSession(load_signer(local_pki.config()), trust_roots=[local_pki.root_cert],
                             timestamp_url=local_pki.tsa_url)
    session.check_certificates()

    _, report = session.sign(make_pdf(1), level="B-T", reason=REASON)

    assert report.valid and report.level == "B-T"
    assert len(online_checks) == 1


def test_timestamp_authority_down_at_start_fails_timestamped_signing_only(local_pki: LocalPki) -> None:
    session = SigningSession(load_signer(local_pki.config()), trust_roots=[local_pki.root_cert],
                             timestamp_url=f"http://127.0.0.1:{closed_port()}/tsa")
    with pytest.raises(SigningError, match="timestamp authority") as caught:
        session.check_certificates()
    assert caught.value.retryable

    _, report = session.sign(make_pdf(1), level="B-B", reason=REASON)
    assert report.valid
    with pytest.raises(SigningError, match="timestamp authority"):
        session.sign(make_pdf(1), level="B-T", reason=REASON)


# --------------------------------------------------------------------------------------- worker start


def wait_for_signing_to_open() -> None:
    """The session opens in a thread of its own when the worker starts: wait until it has."""
    for thread in threading.enumerate():
        if thread.name == OPEN_SIGNING_THREAD:
            thread.join(timeout=60)


@pytest.fixture
def started(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[WorkerContext]:
    """A migrated embedded home with a started in-process worker (``request.param``: its queues)."""
    queues, extra = getattr(request, "param", (None, {}))
    broker, context = build(load_settings(home=tmp_path / "home", **extra))
    worker = dramatiq.Worker(broker, queues=queues, worker_threads=1, worker_timeout=100)
    worker.start()
    wait_for_signing_to_open()
    try:
        yield context
    finally:
        worker.stop()
        broker.close()


def test_worker_start_opens_the_key_and_checks_the_certificate(
    started: WorkerContext, online_checks: list[int]
) -> None:
    _, report = sign_and_validate(started, make_pdf(1), level="B-B", reason=REASON)

    assert report.valid
    assert online_checks == []


@pytest.mark.parametrize("started", [({"pages"}, {})], indirect=True, ids=["pages queue only"])
def test_a_worker_that_never_signs_does_not_open_the_key(started: WorkerContext, online_checks: list[int]) -> None:
    sign_and_validate(started, make_pdf(1), level="B-B", reason=REASON)

    assert len(online_checks) == 1


def test_a_worker_whose_key_does_not_open_starts_and_signing_fails_closed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.p12"
    broken.write_bytes(b"not a PKCS#12 file")
    settings = load_settings(home=tmp_path / "home", sign_pkcs12=broken, sign_pkcs12_passphrase="x",
                             sign_trust_roots=[broken])
    broker, context = build(settings)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    with caplog.at_level(logging.WARNING, logger="workers.signing"):
        worker.start()
        wait_for_signing_to_open()
    try:
        assert "signing_credential" in caplog.text
        assert broken.name not in caplog.text  # codes in logs, not file names
        with pytest.raises(SigningCredentialError, match="cannot open the PKCS#12 file"):
            sign_and_validate(context, make_pdf(1), level="B-B", reason=REASON)
    finally:
        worker.stop()
        broker.close()
