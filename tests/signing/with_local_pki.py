"""Run a command with the tests' local PKI up and Sportel set to sign with it at the production levels.

Not a test: ``.venv/bin/python -m tests.signing.with_local_pki sportel bench-signing --samples S --jobs 2``
measures signing's share of pipeline time with the archival copy at PAdES B-LTA and the redacted copy at
B-T, against a real timestamp authority, OCSP responder and CRLs over HTTP on 127.0.0.1 (the certomancer
PKI of ``tests/signing/conftest.py``, served from this process while the command runs in its own). The
command inherits ``SPORTEL_SIGN_PKCS12``, its passphrase, ``SPORTEL_SIGN_TRUST_ROOTS``,
``SPORTEL_TIMESTAMP_URL`` and the two levels; levels already set in the environment are kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from tests.signing import conftest
from tests.signing.measure_signing_time import _Factory

LEVELS = {"SPORTEL_PADES_LEVEL_ARCHIVAL": "B-LTA", "SPORTEL_PADES_LEVEL_REDACTED": "B-T"}


def main() -> int:
    command = sys.argv[1:]
    if not command:
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory(prefix="sportel-local-pki-") as folder:
        pki_gen = conftest.local_pki.__wrapped__(_Factory(Path(folder)))  # type: ignore[attr-defined]
        pki: conftest.LocalPki = next(pki_gen)
        try:
            env = {
                **os.environ,
                "SPORTEL_SIGN_PKCS12": str(pki.signer_p12["signer"]),
                "SPORTEL_SIGN_PKCS12_PASSPHRASE": pki.passphrase.decode(),
                "SPORTEL_SIGN_TRUST_ROOTS": json.dumps([str(pki.root_cert)]),
                "SPORTEL_TIMESTAMP_URL": pki.tsa_url,
            }
            for name, level in LEVELS.items():
                env.setdefault(name, level)
            print(f"archival {env['SPORTEL_PADES_LEVEL_ARCHIVAL']}, redacted {env['SPORTEL_PADES_LEVEL_REDACTED']}, "
                  f"timestamp authority {pki.tsa_url}", flush=True)
            returncode = subprocess.run(command, env=env).returncode
            answered = Counter(pki.services_asked_since(0))
            print("the local PKI answered: " + (", ".join(f"{count} {service}" for service, count in
                                                         sorted(answered.items())) or "nothing"), flush=True)
            return returncode
        finally:
            next(pki_gen, None)


if __name__ == "__main__":
    sys.exit(main())
