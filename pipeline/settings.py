"""Settings, validated at start. Environment variables (``SPORTEL_*``) or a ``.env``/settings file choose
between the embedded default (SQLite, a local blob folder, an in-process broker) and production
(PostgreSQL, S3-compatible storage, Redis or RabbitMQ): never code changes.

Nothing is read at import: call :func:`load_settings` in an entry point and pass the result down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.errors import ConfigurationError
from pipeline.models import PadesLevel


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPORTEL_", env_file=".env", extra="ignore", frozen=True)

    home: Path = Path("var")
    """Folder for the embedded default: the SQLite file, blobs, the demo signing key."""

    database_url: str | None = None
    """SQLAlchemy URL. Default: ``sqlite:///<home>/sportel.db``. Production: ``postgresql+psycopg://...``."""

    blob_backend: Literal["local", "s3"] = "local"
    blob_dir: Path | None = None
    """Local content-addressed blob folder. Default: ``<home>/blobs``."""
    s3_bucket: str = "sportel"
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"

    broker: Literal["stub", "redis", "rabbitmq"] = "stub"
    """``stub``: dramatiq's in-process broker with worker threads in the same process."""
    broker_url: str | None = None
    worker_threads: int = Field(default=2, ge=1)

    dpi: int = Field(default=300, ge=72, le=1200)
    """Resolution every page is normalised to."""
    ocr_languages: str = "sqi+eng"
    ocr_engine: Literal["tesseract-cli", "tesserocr"] = "tesserocr"
    """tesserocr (tesseract 5.5 in-process, model loaded once per thread) read a page in 0.80 s where the
    Debian ``tesseract`` command took 1.31 s; the command stays for hosts without the wheel."""
    tessdata_dir: Path | None = None

    sign_pkcs12: Path | None = None
    """PKCS#12 signing key. Default: a demo key generated on first run under ``<home>/pki``."""
    sign_pkcs12_passphrase: str | None = None
    sign_pkcs11_module: Path | None = None
    sign_pkcs11_token: str | None = None
    sign_pkcs11_key_label: str | None = None
    sign_pkcs11_pin: str | None = None
    sign_trust_roots: tuple[Path, ...] = ()
    """Root certificates (PEM or DER) that the signing and timestamp certificates chain to, and against
    which handed-in signed PDFs are reported; a JSON list in the environment. The demo root is added
    by itself when the demo key signs."""
    timestamp_url: str | None = None
    """RFC 3161 timestamp authority, needed from PAdES B-T up."""
    pades_level_archival: PadesLevel = "B-B"
    """PAdES level of the signed archival copy, e.g. ``B-LTA`` with a timestamp authority. The embedded
    default stays at B-B: a timestamp is worth the independence of the authority that signs it, and
    there is none on a machine that runs alone."""
    pades_level_redacted: PadesLevel = "B-B"
    """PAdES level of the signed redacted copy, e.g. ``B-T``."""
    sign_revocation_reuse_s: float = Field(default=300.0, ge=0.0)
    """How long a signing thread puts the OCSP responses and CRLs it fetched for one B-LT or B-LTA
    signature into the ones that follow, never past the responses' own ``nextUpdate`` nor past the
    5-minute recheck of the signing certificate; 0 fetches them afresh for every signature."""
    signature_stamp: bool = False
    """A visible stamp (``signature_stamp_text`` and the signing time) at the foot of the last page."""
    signature_stamp_text: str = "Nënshkruar elektronikisht nga Bashkia Shkodër"

    users_file: Path | None = None
    """API users and their token hashes. Default: the demo users shipped with the API."""
    policy_file: Path | None = None
    """Access policy (role and document type to what is visible). Default: the shipped policy."""

    audit_key: str = "change-me-demo-audit-key"
    """Key of the keyed hash used to look up data subjects in the audit log."""

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'sportel.db'}"

    @property
    def resolved_blob_dir(self) -> Path:
        return self.blob_dir or self.home / "blobs"

    @property
    def pki_dir(self) -> Path:
        return self.home / "pki"


def load_settings(**overrides: object) -> Settings:
    """Build and validate settings from the environment, with explicit overrides winning."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigurationError(f"invalid settings: {exc}") from exc
