"""Signing time per document, next to the pipeline's OCR time (about two seconds a page).

Not a test (no timed assertions in the suite): run ``.venv/bin/python -m tests.signing.measure_signing_time``.
It builds the demo PKI, a SoftHSM token and the certomancer PKI the tests use, in a temporary folder, and
prints the median of several signatures for each level on a 2-page text PDF and a 10-page scanned-like
PDF (300 dpi grayscale JPEG pages).
"""

from __future__ import annotations

import functools
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from stages.pki import ensure_demo_pki
from stages.sign import SignerConfig, build_validation_context, load_signer, sign_pdf, validate_pdf
from tests.signing import conftest

ROUNDS = 7


def scanned_pdf(pages: int) -> bytes:
    """A4 pages at 300 dpi as grayscale JPEGs (what the pipeline's searchable PDFs mostly weigh)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    for _ in range(pages):
        noise = rng.integers(200, 256, size=(3508, 2480), dtype=np.uint8)
        jpeg = io.BytesIO()
        Image.fromarray(noise, mode="L").save(jpeg, format="JPEG", quality=75)
        sheet.drawImage(ImageReader(io.BytesIO(jpeg.getvalue())), 0, 0, width=A4[0], height=A4[1])
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def median_seconds(action: Callable[[], Any]) -> float:
    action()  # warm-up: imports, font, first TLS-free HTTP connection
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


class _Factory:
    """Just enough of pytest's TempPathFactory for the conftest fixtures."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def mktemp(self, name: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.base))
        return path


def measure(pdf: bytes, demo_signer: Any, token_signer: Any, local_signer: Any, local: conftest.LocalPki) -> None:
    def online() -> Any:
        return build_validation_context([local.root_cert])

    runs: dict[str, Callable[[], Any]] = {
        "B-B, PKCS#12 demo key (RSA-3072)": lambda: sign_pdf(pdf, demo_signer, reason="x"),
        "B-B + visible stamp": lambda: sign_pdf(pdf, demo_signer, reason="x", stamp_text=conftest.STAMP_TEXT),
        "B-B, PKCS#11 SoftHSM2 key": lambda: sign_pdf(pdf, token_signer, reason="x"),
        "B-B, online certificate check": lambda: sign_pdf(pdf, local_signer, reason="x", validation_context=online()),
    }
    for level in ("B-T", "B-LT", "B-LTA"):
        runs[f"{level}, local TSA/OCSP/CRL over HTTP"] = functools.partial(
            sign_pdf,
            pdf,
            local_signer,
            level=level,
            reason="x",
            timestamp_url=local.tsa_url,
            validation_context=None if level == "B-T" else online(),
        )
    for label, action in runs.items():
        print(f"  sign     {label:<42} {median_seconds(action) * 1000:7.0f} ms")
    signed = runs["B-LTA, local TSA/OCSP/CRL over HTTP"]()
    seconds = median_seconds(lambda: validate_pdf(signed, trust_roots=[local.root_cert]))
    print(f"  validate {'B-LTA (signature + document timestamp)':<42} {seconds * 1000:7.0f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        factory: Any = _Factory(base)
        demo = ensure_demo_pki(base / "demo")
        local_gen = conftest.local_pki.__wrapped__(factory)  # type: ignore[attr-defined]
        hsm_gen = conftest.softhsm_token.__wrapped__(factory, demo)  # type: ignore[attr-defined]
        local, hsm = next(local_gen), next(hsm_gen)
        demo_signer = load_signer(SignerConfig(pkcs12=demo.signer_p12, passphrase=demo.passphrase))
        token_signer = load_signer(
            SignerConfig(
                pkcs12=None,
                passphrase=None,
                pkcs11_module=hsm.module,
                pkcs11_token=hsm.token,
                pkcs11_key_label=hsm.key_label,
                pkcs11_pin=hsm.pin,
            )
        )
        local_signer = load_signer(local.config())
        for name, pdf in {"2-page text PDF": conftest.make_pdf(2), "10-page scanned PDF": scanned_pdf(10)}.items():
            print(f"\n{name} ({len(pdf) / 1e6:.1f} MB), median of {ROUNDS}")
            measure(pdf, demo_signer, token_signer, local_signer, local)
        for generator in (hsm_gen, local_gen):
            next(generator, None)


if __name__ == "__main__":
    main()
