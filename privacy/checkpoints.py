"""Audit checkpoints without a human: sign the log's head whenever it has grown, on a schedule.

``sportel audit checkpoint --every SECONDS`` runs :func:`checkpoint_periodically` (a long-running
service), and ``sportel audit checkpoint --if-new`` one round of it (for a systemd timer or cron). Either
way each checkpoint is appended to the checkpoint file outside the database first, and a round with no
new entries signs nothing, so the file grows with the log and not with the clock. ``sportel audit verify``
checks every checkpoint against the entries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from storage.audit_chain import Checkpoint, read_checkpoint_file
from storage.audit_store import AuditStore

log = logging.getLogger(__name__)


def last_checkpointed_size(checkpoints_dir: Path) -> int:
    """How many entries the newest checkpoint in the file covers (0 without one)."""
    checkpoints, _ = read_checkpoint_file(checkpoints_dir)
    return max((checkpoint.tree_size for _, checkpoint in checkpoints), default=0)


def checkpoint_if_new(store: AuditStore, checkpoints_dir: Path, private_key: PrivateKeyTypes) -> Checkpoint | None:
    """Sign a checkpoint when the log holds entries the newest checkpoint does not cover; else ``None``."""
    head = store.head()
    if head is None or head[0] <= last_checkpointed_size(checkpoints_dir):
        return None
    return store.checkpoint(checkpoints_dir, private_key)


def checkpoint_periodically(
    store: AuditStore, checkpoints_dir: Path, private_key: PrivateKeyTypes, *, every_seconds: float,
    rounds: int | None = None, sleep: Callable[[float], None] = time.sleep,
    on_checkpoint: Callable[[Checkpoint], None] | None = None,
) -> int:
    """Every ``every_seconds``, a checkpoint if the log has grown; ``rounds`` rounds (forever when
    ``None``). Returns how many checkpoints were signed."""
    signed = 0
    done = 0
    while rounds is None or done < rounds:
        checkpoint = checkpoint_if_new(store, checkpoints_dir, private_key)
        if checkpoint is not None:
            signed += 1
            log.info("audit checkpoint over %d entries", checkpoint.tree_size)
            if on_checkpoint is not None:
                on_checkpoint(checkpoint)
        done += 1
        if rounds is None or done < rounds:
            sleep(every_seconds)
    return signed
