"""The audit log on SQLite and PostgreSQL: appends, look-ups, export, and tamper detection.

Every tampering goes through raw SQL, the way someone with database access but without the signing key
would do it; some tests play a careful attacker who also recomputes the hash chain and the head row, to
show that the signed checkpoint (outside the database) still catches it.
"""

from __future__ import annotations

import csv
import io
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ed25519
from pydantic import ValidationError
from sqlalchemy.orm import sessionmaker

from privacy.audit import (
    AuditEntry,
    AuditEvent,
    AuditIntegrityError,
    AuditStore,
    compute_entry_hash,
    event_for,
    grant_event,
    verify_audit,
)
from privacy.policy import Grant, Principal, Resource, Role, decide, decide_grant, load_policy
from storage.audit_chain import CHECKPOINT_FILE, GENESIS_HASH, chain_problems
from storage.base import Base
from storage.db import temporary_database

REPO = Path(__file__).resolve().parents[2]
POSTGRES_ADMIN_URL = os.environ.get(
    "SPORTEL_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
AUDIT_KEY = b"test-audit-key-" + uuid.uuid4().hex.encode()
PURPOSES = ("case_processing", "appeal_review", "data_subject_request")
USERS = ("officer-1", "officer-2", "desk-1", "dpo-1")


def personal_number(rng: random.Random) -> str:
    """A string shaped like an Albanian personal number (decade letter, year, month, day, serial, letter)."""
    month = rng.randint(1, 12) + rng.choice((0, 50))
    return (
        f"{rng.choice('HIJKLMN')}{rng.randint(0, 9)}{month:02d}{rng.randint(1, 28):02d}"
        f"{rng.randint(0, 999):03d}{rng.choice('ABCDEFGHIJKLMNOPQRSTUVW')}"
    )


# -------------------------------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def audit_postgres_url() -> Iterator[str]:
    """A fresh database sportel_audit_<random> for this session, dropped afterwards."""
    try:
        with temporary_database(POSTGRES_ADMIN_URL, "sportel_audit") as url:
            yield url
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty audit schema, created with Base.metadata.create_all."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.db'}"
    else:
        url = request.getfixturevalue("audit_postgres_url")
    engine = sa.create_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    # An odd session time zone on PostgreSQL shows that times come back as the same hashed UTC spelling.
    postgres = database_url.startswith("postgresql")
    connect_args = {"options": "-c timezone=Pacific/Chatham"} if postgres else {}
    engine = sa.create_engine(database_url, pool_size=8, connect_args=connect_args)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: sa.Engine) -> AuditStore:
    return AuditStore(sessionmaker(engine), subject_key=AUDIT_KEY)


@pytest.fixture(scope="session")
def signing_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture
def checkpoints(tmp_path: Path) -> Path:
    return tmp_path / "checkpoints"


@dataclass
class Filled:
    entries: list[AuditEntry]
    subjects: list[str | None]


def fill(store: AuditStore, count: int, seed: int = 7) -> Filled:
    rng = random.Random(seed)
    people = [personal_number(rng) for _ in range(3)]
    entries, subjects = [], []
    for i in range(count):
        subject = people[i % 3] if i % 4 else None
        denied = i % 5 == 4
        event = AuditEvent(
            user_id=USERS[i % len(USERS)],
            role="back_office_officer",
            action="read",
            resource_kind="original" if i % 3 == 0 else "redacted",
            outcome="denied" if denied else "allowed",
            case_id=f"case-{i % 2}",
            document_id=f"doc-{i}",
            purpose=PURPOSES[i % len(PURPOSES)],
            request_id=uuid.uuid4().hex,
            reason="no_grant" if denied else "allowed_redacted",
            subject_personal_number=subject,
        )
        entries.append(store.append(event))
        subjects.append(subject)
    return Filled(entries, subjects)


def tamper(engine: sa.Engine, *statements: str, **params: object) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement), params)


def move_seq(engine: sa.Engine, moves: dict[int, int]) -> None:
    """Renumber entries; through negative numbers first, as both databases check the key row by row."""
    with engine.begin() as conn:
        for old in moves:
            conn.execute(
                sa.text("UPDATE audit_entries SET seq = :tmp WHERE seq = :old"), {"tmp": -1 - old, "old": old}
            )
        for old, new in moves.items():
            conn.execute(
                sa.text("UPDATE audit_entries SET seq = :new WHERE seq = :tmp"), {"new": new, "tmp": -1 - old}
            )


def rechain(store: AuditStore, engine: sa.Engine) -> None:
    """A careful attacker: recompute every prev_hash and entry_hash, and the head row, after tampering."""
    prev = GENESIS_HASH
    with engine.begin() as conn:
        for entry in store.entries():
            fixed = entry.model_copy(update={"prev_hash": prev, "entry_hash": ""})
            fixed = fixed.model_copy(update={"entry_hash": compute_entry_hash(fixed)})
            conn.execute(
                sa.text("UPDATE audit_entries SET prev_hash = :p, entry_hash = :h WHERE seq = :s"),
                {"p": fixed.prev_hash, "h": fixed.entry_hash, "s": entry.seq},
            )
            prev = fixed.entry_hash
        size = conn.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar_one()
        conn.execute(sa.text("UPDATE audit_head SET tree_size = :n, head_hash = :h"), {"n": size, "h": prev})


def insert_raw(engine: sa.Engine, seq: int, *, prev_hash: str, entry_hash: str) -> None:
    tamper(
        engine,
        "INSERT INTO audit_entries (seq, entry_id, occurred_at, user_id, role, action, resource_kind, "
        "outcome, case_id, prev_hash, entry_hash) VALUES (:seq, :eid, :at, 'officer-1', "
        "'back_office_officer', 'read', 'original', 'allowed', 'case-0', :prev, :hash)",
        seq=seq,
        eid=uuid.uuid4().hex,
        at=datetime.now(UTC),
        prev=prev_hash,
        hash=entry_hash,
    )


# -------------------------------------------------------------------------------------- untouched log


def test_untouched_log_verifies(
    store: AuditStore, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    filled = fill(store, 12)
    assert [e.seq for e in filled.entries] == list(range(12))
    checkpoint = store.checkpoint(checkpoints, signing_key)
    assert checkpoint.tree_size == 12
    fill(store, 3, seed=8)
    result = verify_audit(store, checkpoints, signing_key.public_key())
    assert result.ok, result.problems
    assert result.entries_checked == 15
    assert result.anchored_size == 12
    assert any("3 entries after the latest checkpoint" in w for w in result.warnings)
    assert store.entries() == filled.entries + store.entries(12)
    assert store.entries(3, 6) == filled.entries[3:6]


def test_empty_log_verifies_and_checkpoints(
    store: AuditStore, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    assert store.checkpoint(checkpoints, signing_key).tree_size == 0
    result = verify_audit(store, checkpoints, signing_key.public_key())
    assert result.ok and result.entries_checked == 0


# ---------------------------------------------------------------------------------------------- tamper


@pytest.fixture
def checkpointed(store: AuditStore, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey) -> Filled:
    filled = fill(store, 12)
    store.checkpoint(checkpoints, signing_key)
    return filled


def problems_after(store: AuditStore, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey) -> list[str]:
    result = verify_audit(store, checkpoints, signing_key.public_key())
    assert not result.ok
    assert result.problems
    return result.problems


@pytest.mark.usefixtures("checkpointed")
def test_edited_entry_is_detected(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    tamper(engine, "UPDATE audit_entries SET user_id = 'someone-else' WHERE seq = 4")
    problems = problems_after(store, checkpoints, signing_key)
    assert any(p.startswith("seq 4:") and "edited" in p for p in problems)


@pytest.mark.usefixtures("checkpointed")
def test_edited_entry_with_recomputed_chain_is_caught_by_the_checkpoint(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    tamper(engine, "UPDATE audit_entries SET purpose = 'appeal_review', outcome = 'allowed' WHERE seq = 4")
    rechain(store, engine)
    problems = problems_after(store, checkpoints, signing_key)
    assert any("Merkle root" in p for p in problems)
    assert not any(p.startswith("seq ") for p in problems)  # the chain itself was made consistent


@pytest.mark.usefixtures("checkpointed")
def test_deleted_entry_is_detected(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    tamper(engine, "DELETE FROM audit_entries WHERE seq = 5")
    problems = problems_after(store, checkpoints, signing_key)
    assert "seq 5 missing (deleted)" in problems
    assert any(p.startswith("seq 6:") and "prev_hash" in p for p in problems)


@pytest.mark.usefixtures("checkpointed")
def test_deleted_entry_with_renumbering_and_recomputed_chain_is_caught(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    fill(store, 4, seed=9)  # entries after the checkpoint hide the shorter length
    tamper(engine, "DELETE FROM audit_entries WHERE seq = 5")
    move_seq(engine, {old: old - 1 for old in range(6, 16)})
    rechain(store, engine)
    problems = problems_after(store, checkpoints, signing_key)
    assert any("Merkle root" in p for p in problems)


@pytest.mark.usefixtures("checkpointed")
def test_inserted_entry_is_detected(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    move_seq(engine, {old: old + 1 for old in range(7, 12)})
    insert_raw(engine, 7, prev_hash=store.entries(6, 7)[0].entry_hash, entry_hash="f" * 64)
    problems = problems_after(store, checkpoints, signing_key)
    assert any(p.startswith("seq 7:") and "edited" in p for p in problems)
    assert any(p.startswith("seq 8:") for p in problems)


@pytest.mark.usefixtures("checkpointed")
def test_inserted_entry_with_recomputed_chain_is_caught_by_the_checkpoint(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    move_seq(engine, {old: old + 1 for old in range(3, 12)})
    insert_raw(engine, 3, prev_hash="0" * 64, entry_hash="0" * 64)
    rechain(store, engine)
    problems = problems_after(store, checkpoints, signing_key)
    assert any("Merkle root" in p for p in problems)


@pytest.mark.usefixtures("checkpointed")
def test_reordered_entries_are_detected(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    move_seq(engine, {3: 4, 4: 3})
    problems = problems_after(store, checkpoints, signing_key)
    assert any(p.startswith("seq 3:") for p in problems)
    assert any(p.startswith("seq 4:") for p in problems)


@pytest.mark.usefixtures("checkpointed")
def test_truncated_tail_is_detected_against_the_checkpoint(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    tamper(engine, "DELETE FROM audit_entries WHERE seq >= 9")
    rechain(store, engine)  # the head row now agrees with the shorter log
    problems = problems_after(store, checkpoints, signing_key)
    assert any(p.startswith("log truncated") and "12" in p and "9" in p for p in problems)


@pytest.mark.usefixtures("checkpointed")
def test_truncation_without_fixing_the_head_row_is_named(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    tamper(engine, "DELETE FROM audit_entries WHERE seq >= 10")
    problems = problems_after(store, checkpoints, signing_key)
    assert any(p.startswith("head row says 12 entries") for p in problems)


@pytest.mark.usefixtures("checkpointed")
def test_forged_checkpoints_are_detected(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    path = checkpoints / CHECKPOINT_FILE
    genuine = path.read_text(encoding="utf-8")
    # Claim a longer log under the genuine signature.
    path.write_text(genuine.replace('"tree_size":12', '"tree_size":13'), encoding="utf-8")
    assert any(
        "line 1: signature does not verify" in p for p in problems_after(store, checkpoints, signing_key)
    )
    # Replace the file with one signed by another key over the same log.
    path.unlink()
    forger = AuditStore(sessionmaker(engine), subject_key=AUDIT_KEY)
    forger.checkpoint(checkpoints, ed25519.Ed25519PrivateKey.generate())
    problems = problems_after(store, checkpoints, signing_key)
    assert any("signature does not verify" in p for p in problems)
    assert any("missing from the checkpoint file" in p for p in problems)


def test_a_rotated_signing_key_verifies_with_both_public_keys(
    store: AuditStore, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    fill(store, 4)
    store.checkpoint(checkpoints, signing_key)
    rotated = ed25519.Ed25519PrivateKey.generate()
    fill(store, 4, seed=11)
    store.checkpoint(checkpoints, rotated)
    both = verify_audit(store, checkpoints, [signing_key.public_key(), rotated.public_key()])
    assert both.ok, both.problems
    assert both.anchored_size == 8
    only_new = verify_audit(store, checkpoints, rotated.public_key())
    assert only_new.problems == ["checkpoint line 1: signature does not verify with the audit key (forged)"]


@pytest.mark.usefixtures("checkpointed")
def test_malformed_checkpoint_line_is_reported(
    store: AuditStore, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    with (checkpoints / CHECKPOINT_FILE).open("a", encoding="utf-8") as handle:
        handle.write('{"tree_size": "many"}\n')
    problems = problems_after(store, checkpoints, signing_key)
    assert any(p.startswith("checkpoint line 2: malformed") for p in problems)


def test_checkpoint_refuses_to_sign_a_broken_log(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    fill(store, 5)
    tamper(engine, "UPDATE audit_entries SET case_id = 'case-9' WHERE seq = 2")
    with pytest.raises(AuditIntegrityError, match="seq 2"):
        store.checkpoint(checkpoints, signing_key)
    assert not (checkpoints / CHECKPOINT_FILE).exists()


def test_a_log_without_checkpoints_warns_that_truncation_is_undetectable(
    store: AuditStore, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    fill(store, 3)
    result = verify_audit(store, checkpoints, signing_key.public_key())
    assert result.ok
    assert any("no signed checkpoint" in w for w in result.warnings)


# ------------------------------------------------------------------------------------------ concurrency


def _append_from_threads(store: AuditStore, threads: int, per_thread: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(worker: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                store.append(
                    AuditEvent(
                        user_id=f"worker-{worker}",
                        role="front_desk",
                        action="read",
                        resource_kind="redacted",
                        outcome="allowed",
                        case_id=f"case-{i}",
                    )
                )
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return errors


def test_concurrent_appends_from_threads_keep_one_chain(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    errors = _append_from_threads(store, threads=6, per_thread=15)
    assert errors == []
    entries = store.entries()
    assert [e.seq for e in entries] == list(range(90))
    for worker in range(6):
        assert len(store.query(user_id=f"worker-{worker}")) == 15
    store.checkpoint(checkpoints, signing_key)
    result = verify_audit(store, checkpoints, signing_key.public_key())
    assert result.ok, result.problems
    if engine.dialect.name == "postgresql":
        assert isinstance(engine.pool, sa.QueuePool)
        assert engine.pool.checkedin() > 1  # several connections really took part


_APPENDER = """
import sys, time
from pathlib import Path
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker
from privacy.audit import AuditEvent, AuditStore

url, worker, count, key, gate = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], Path(sys.argv[5])
store = AuditStore(sessionmaker(sa.create_engine(url)), subject_key=key.encode())
(gate / ("ready-" + worker)).touch()
while not (gate / "go").exists():
    time.sleep(0.01)
for i in range(count):
    store.append(AuditEvent(user_id="process-" + worker, role="front_desk", action="search",
                            resource_kind="search", outcome="allowed", case_id="case-%d" % i))
"""


def test_concurrent_appends_from_processes_keep_one_chain(
    store: AuditStore,
    database_url: str,
    tmp_path: Path,
    checkpoints: Path,
    signing_key: ed25519.Ed25519PrivateKey,
) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    workers, per_worker = 3, 30
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _APPENDER,
                database_url,
                str(w),
                str(per_worker),
                AUDIT_KEY.decode(),
                str(gate),
            ],
            env=env,
            cwd=REPO,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]
    # Start them together once all have imported, so that their appends really overlap.
    while len(list(gate.glob("ready-*"))) < workers and all(p.poll() is None for p in processes):
        time.sleep(0.02)
    (gate / "go").touch()
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr[-2000:]
    entries = store.entries()
    assert [e.seq for e in entries] == list(range(workers * per_worker))
    for w in range(workers):
        assert [e.case_id for e in entries if e.user_id == f"process-{w}"] == [
            f"case-{i}" for i in range(per_worker)
        ]
    store.checkpoint(checkpoints, signing_key)
    assert verify_audit(store, checkpoints, signing_key.public_key()).ok


# ----------------------------------------------------------------------------------- subjects and export


def test_subjects_are_found_through_the_keyed_hash(store: AuditStore, engine: sa.Engine) -> None:
    filled = fill(store, 16)
    for subject in {s for s in filled.subjects if s}:
        expected = [e.entry_id for e, s in zip(filled.entries, filled.subjects, strict=True) if s == subject]
        found = [e.entry_id for e in store.query(subject_personal_number=subject)]
        assert found == expected
        spaced = f" {subject[:4].lower()} {subject[4:]} "
        assert [e.entry_id for e in store.query(subject_personal_number=spaced)] == expected
        other_key = AuditStore(sessionmaker(engine), subject_key=b"another-key")
        assert other_key.query(subject_personal_number=subject) == []
    assert all(
        e.subject_key is None for e, s in zip(filled.entries, filled.subjects, strict=True) if s is None
    )


def test_no_stored_column_holds_a_personal_number(
    store: AuditStore, engine: sa.Engine, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    filled = fill(store, 16)
    store.checkpoint(checkpoints, signing_key)
    numbers = {s for s in filled.subjects if s}
    assert numbers
    with engine.connect() as conn:
        cells = [
            str(value).upper()
            for table in ("audit_entries", "audit_head", "audit_checkpoints")
            for row in conn.execute(sa.text(f"SELECT * FROM {table}"))
            for value in row
        ]
    exported = store.export_csv(store.entries()).upper()
    checkpoint_file = (checkpoints / CHECKPOINT_FILE).read_text(encoding="utf-8").upper()
    for number in numbers:
        assert not any(number in cell for cell in cells)
        assert number not in exported
        assert number not in checkpoint_file
    event = AuditEvent(
        user_id="u",
        role="front_desk",
        action="read",
        resource_kind="redacted",
        outcome="allowed",
        subject_personal_number=next(iter(numbers)),
    )
    assert next(iter(numbers)) not in repr(event) + event.model_dump_json()


def test_query_by_officer_purpose_and_period(store: AuditStore) -> None:
    base = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    appended = [
        store.append(
            AuditEvent(
                user_id=USERS[i % 2],
                role="back_office_officer",
                action="read",
                resource_kind="redacted",
                outcome="allowed",
                purpose=PURPOSES[i % 3],
                occurred_at=(base + timedelta(hours=i, microseconds=i % 2)).astimezone(
                    ZoneInfo("Asia/Kolkata")
                ),
            )
        )
        for i in range(12)
    ]
    since, until = base + timedelta(hours=3), base + timedelta(hours=9)
    in_period = [e for e in appended if since <= e.occurred_at < until]
    assert store.query(since=since, until=until) == in_period
    assert store.query(user_id=USERS[1]) == [e for e in appended if e.user_id == USERS[1]]
    assert store.query(purpose=PURPOSES[2], user_id=USERS[0]) == [
        e for e in appended if e.purpose == PURPOSES[2] and e.user_id == USERS[0]
    ]
    local = since.astimezone(ZoneInfo("Europe/Tirane"))
    assert store.query(since=local, until=until) == in_period
    with pytest.raises(ValueError, match="time zone"):
        store.query(since=datetime(2025, 3, 1))
    assert chain_problems(store.entries()) == []


def test_csv_export_holds_every_field_and_defuses_formulas(store: AuditStore) -> None:
    entries = fill(store, 5).entries
    entries.append(
        store.append(
            AuditEvent(
                user_id="=HYPERLINK(x)",
                role="front_desk",
                action="export",
                resource_kind="export",
                outcome="denied",
                reason="role_cannot_read_kind",
            )
        )
    )
    rows = list(csv.DictReader(io.StringIO(store.export_csv(entries))))
    assert len(rows) == len(entries)
    for row, entry in zip(rows, entries, strict=True):
        assert row["seq"] == str(entry.seq)
        assert row["entry_hash"] == entry.entry_hash
        assert row["subject_key"] == (entry.subject_key or "")
        assert datetime.fromisoformat(row["occurred_at"]) == entry.occurred_at
    assert rows[-1]["user_id"] == "'=HYPERLINK(x)"


# ------------------------------------------------------------------------------------- events and policy


def test_events_refuse_free_text_and_inconsistent_outcomes() -> None:
    common = {"user_id": "u", "role": "front_desk", "resource_kind": "redacted"}
    with pytest.raises(ValidationError) as error:
        AuditEvent(**common, action="read", outcome="allowed", purpose="to look at Arben Hoxha's file")
    assert "Hoxha" not in str(error.value)  # the refused text is not echoed into logs
    number = personal_number(random.Random(5)) * 7
    with pytest.raises(ValidationError) as error:
        AuditEvent(**common, action="read", outcome="allowed", subject_personal_number=number)
    assert number[:10] not in str(error.value)
    with pytest.raises(ValidationError):
        AuditEvent(**common, action="read", outcome="granted")
    with pytest.raises(ValidationError):
        AuditEvent(**common, action="grant", outcome="allowed")
    with pytest.raises(ValidationError):
        AuditEvent(**common, action="read", outcome="allowed", occurred_at=datetime(2025, 1, 1))


def test_each_decision_writes_one_entry_with_its_reason(store: AuditStore) -> None:
    policy = load_policy()
    now = datetime.now(UTC)
    officer = Principal(
        user_id="officer-2",
        role=Role.BACK_OFFICE_OFFICER,
        departments=frozenset({"social"}),
        services=frozenset({"*"}),
    )
    original = Resource(
        kind="original",
        case_id="case-1",
        document_id="doc-1",
        document_type="family_certificate",
        service_id="svc",
        department="social",
    )
    redacted = Resource(
        kind="redacted",
        case_id="case-1",
        document_id="doc-1",
        document_type="family_certificate",
        service_id="svc",
        department="social",
    )
    subject = personal_number(random.Random(3))
    for what, purpose in ((original, "case_processing"), (redacted, None), (original, "gossip")):
        decision = decide(
            policy, officer, what, purpose=purpose, grants=(), assigned_case_ids=frozenset(), now=now
        )
        store.append(
            event_for(
                officer, what, decision, purpose=purpose, request_id="req-1", subject_personal_number=subject
            )
        )
    entries = store.query(subject_personal_number=subject)
    assert [(e.resource_kind, e.outcome, e.reason, e.purpose) for e in entries] == [
        ("original", "denied", "not_assigned_to_case", "case_processing"),
        ("redacted", "allowed", "allowed_redacted", None),
        ("original", "denied", "purpose_unknown", None),
    ]


def test_grants_and_refused_grants_are_logged(store: AuditStore) -> None:
    policy = load_policy()
    now = datetime.now(UTC)
    admin = Principal(
        user_id="admin-1", role=Role.ADMINISTRATOR, departments=frozenset(), services=frozenset()
    )
    asked = Grant(
        grant_id="grant-1",
        user_id="officer-1",
        case_id="case-1",
        purpose="case_processing",
        expires_at=now + timedelta(hours=4),
    )
    too_long = Grant(
        grant_id="grant-2",
        user_id="officer-1",
        case_id="case-1",
        purpose="case_processing",
        expires_at=now + timedelta(days=30),
    )
    for grant in (asked, too_long):
        store.append(
            grant_event(admin, grant, decide_grant(policy, admin, grant, now=now), request_id="req-2")
        )
    logged = store.query(user_id="admin-1")
    assert [(e.action, e.outcome, e.reason, e.grant_id, e.target_user_id) for e in logged] == [
        ("grant", "granted", "granted", "grant-1", "officer-1"),
        ("grant", "denied", "grant_too_long", "grant-2", "officer-1"),
    ]
