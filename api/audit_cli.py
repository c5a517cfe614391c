"""``sportel audit ...``: the data-protection officer's commands."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from pipeline.settings import Settings, load_settings

if TYPE_CHECKING:  # imported where used: every `sportel` command imports this module to list its commands
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from cryptography.x509 import Certificate

    from storage.audit_chain import Checkpoint
    from storage.audit_store import AuditStore

audit_app = typer.Typer(no_args_is_help=True, help="The data-protection officer's audit trail.")
console = Console()

HomeOption = Annotated[Path | None, typer.Option("--home", help="Embedded-default folder")]


def _settings(home: Path | None) -> Settings:
    return load_settings(**({"home": home} if home is not None else {}))


def open_store(settings: Settings) -> AuditStore:
    from storage.audit_store import AuditStore
    from storage.db import make_engine, make_session_factory
    from storage.migrate import upgrade

    upgrade(settings.resolved_database_url)
    factory = make_session_factory(make_engine(settings.resolved_database_url))
    return AuditStore(factory, subject_key=settings.audit_key.encode())


def checkpoints_dir(settings: Settings) -> Path:
    return settings.home / "audit-checkpoints"


def signing_key(settings: Settings) -> tuple[PrivateKeyTypes, Certificate]:
    """The product's signing key: the configured PKCS#12, else the demo one."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    from stages.sign import signer_config_from_settings

    config = signer_config_from_settings(settings)
    if config.pkcs12 is None:
        raise typer.BadParameter("audit checkpoints need a PKCS#12 signing key (SPORTEL_SIGN_PKCS12)")
    key, cert, _ = pkcs12.load_key_and_certificates(config.pkcs12.read_bytes(), config.passphrase)
    if key is None or cert is None:
        raise typer.BadParameter("the PKCS#12 file holds no key and certificate")
    return key, cert


@audit_app.command("checkpoint")
def checkpoint(
    every: Annotated[float | None, typer.Option("--every", min=1.0, help="Keep running: a checkpoint every "
                                                "SECONDS whenever the log has grown (a service)")] = None,
    if_new: Annotated[bool, typer.Option("--if-new", help="Sign only if the log has grown since the last "
                                         "checkpoint (for a systemd timer or cron)")] = False,
    rounds: Annotated[int | None, typer.Option("--rounds", min=1, help="With --every: stop after N rounds")] = None,
    home: HomeOption = None,
) -> None:
    """Sign the current head of the audit log into the checkpoint folder (outside the database)."""
    from privacy.checkpoints import checkpoint_if_new, checkpoint_periodically

    settings = _settings(home)
    key, _ = signing_key(settings)
    store, folder = open_store(settings), checkpoints_dir(settings)

    def report(signed: Checkpoint) -> None:
        console.print(f"checkpoint signed over {signed.tree_size} entries, root {signed.root_hash[:16]}…")

    if every is not None:
        checkpoint_periodically(store, folder, key, every_seconds=every, rounds=rounds, on_checkpoint=report)
        return
    signed = checkpoint_if_new(store, folder, key) if if_new else store.checkpoint(folder, key)
    if signed is None:
        console.print("no new entries since the last checkpoint; nothing signed")
    else:
        report(signed)


@audit_app.command("verify")
def verify(home: HomeOption = None) -> None:
    """Detect any edited, deleted, inserted, reordered or truncated entry; exit 1 if there is one."""
    from privacy.audit import verify_audit

    settings = _settings(home)
    _, cert = signing_key(settings)
    result = verify_audit(open_store(settings), checkpoints_dir(settings), cert)
    for warning in result.warnings:
        console.print(f"[yellow]warning[/]: {warning}")
    for problem in result.problems:
        console.print(f"[red]problem[/]: {problem}")
    verdict = "[green]intact[/]" if result.ok else "[red]TAMPERED[/]"
    console.print(f"{verdict}: {result.entries_checked} entries, {result.checkpoints_checked} checkpoints checked")
    raise typer.Exit(0 if result.ok else 1)


@audit_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write")],
    user: Annotated[str | None, typer.Option("--user", help="Only this officer")] = None,
    since: Annotated[datetime | None, typer.Option("--since")] = None,
    until: Annotated[datetime | None, typer.Option("--until")] = None,
    purpose: Annotated[str | None, typer.Option("--purpose")] = None,
    subject: Annotated[bool, typer.Option("--subject", help="Ask for a data subject's personal number "
                                          "(typed at a prompt, never on the command line)")] = False,
    home: HomeOption = None,
) -> None:
    """Export audit entries as CSV, filtered by officer, period, purpose or data subject."""
    from datetime import UTC

    settings = _settings(home)
    personal_number = typer.prompt("Personal number", hide_input=True) if subject else None
    store = open_store(settings)
    entries = store.query(subject_personal_number=personal_number, user_id=user,
                          since=since.replace(tzinfo=since.tzinfo or UTC) if since else None,
                          until=until.replace(tzinfo=until.tzinfo or UTC) if until else None, purpose=purpose)
    out.write_text(store.export_csv(entries), encoding="utf-8")
    console.print(f"{len(entries)} entries written to {out}")
