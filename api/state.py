"""What the API holds for its lifetime: adapters, the policy, the audit store, the users."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dramatiq

from api.users import UserDirectory, load_users
from pipeline.settings import Settings
from privacy.policy import Policy, load_policy
from storage.audit_store import AuditStore
from workers.bootstrap import build
from workers.context import WorkerContext
from workers.stalls import StallSweeper


@dataclass
class AppState:
    settings: Settings
    context: WorkerContext
    broker: dramatiq.Broker
    users: UserDirectory
    policy: Policy
    audit: AuditStore
    worker: dramatiq.Worker | None = None
    sweeper: StallSweeper | None = None

    @property
    def checkpoints_dir(self) -> Path:
        return self.settings.home / "audit-checkpoints"

    @classmethod
    def start(cls, settings: Settings) -> AppState:
        broker, context = build(settings)
        worker, sweeper = None, None
        if settings.broker == "stub":
            # The embedded default has no separate worker processes: the API runs the actors itself, and
            # moves on again what its in-memory broker lost, including the batches a stopped run left.
            worker = dramatiq.Worker(broker, worker_threads=settings.worker_threads, worker_timeout=100)
            worker.start()
            sweeper = StallSweeper(context, broker)
            sweeper.start()
        return cls(
            settings=settings, context=context, broker=broker, users=load_users(settings.users_file),
            policy=load_policy(settings.policy_file),
            audit=AuditStore(context.session_factory, subject_key=settings.audit_key.encode()),
            worker=worker, sweeper=sweeper,
        )

    def stop(self) -> None:
        if self.sweeper is not None:
            self.sweeper.stop()
        if self.worker is not None:
            self.worker.stop()
        self.broker.close()
