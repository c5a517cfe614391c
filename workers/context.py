"""What a step needs from the outside world, wired once per process (the composition root)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from pipeline.catalog import Catalog, load_catalog
from pipeline.settings import Settings
from storage.blobs import BlobStore, open_blob_store
from storage.db import make_engine, make_session_factory

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

    from stages.sign import SignerConfig

T = TypeVar("T")


def settle_heap() -> None:
    """Collect what building an adapter left behind, then move every object still alive out of the cyclic
    collector's reach (``gc.freeze``): an adapter lives as long as the process, and the full collections
    that a worker's steps trigger would otherwise walk its objects every time. One embedded run of 18
    pages: five full collections of 46 to 153 ms, growing with the heap, each landing inside whatever
    step was running (a 20 ms signature took 61 ms); frozen, about half the time, mostly under 30 ms.
    Objects that die later are still freed by their reference counts; only cycles among them outlive it."""
    gc.collect()
    gc.freeze()


@dataclass
class WorkerContext:
    """Adapters for one process. Costly parts (analyzer, signer) are built on first use."""

    settings: Settings
    session_factory: sessionmaker[Session]
    blobs: BlobStore
    catalog: Catalog
    _cache: dict[str, object] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _building: dict[str, threading.Lock] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerContext:
        engine = make_engine(settings.resolved_database_url)
        return cls(
            settings=settings,
            session_factory=make_session_factory(engine),
            blobs=open_blob_store(settings),
            catalog=load_catalog(),
        )

    def built(self, name: str) -> object | None:
        """The part :meth:`cached` built under ``name``, or ``None`` when none was: never builds it."""
        with self._lock:
            return self._cache.get(name)

    def cached(self, name: str, build: Callable[[], T]) -> T:
        """A costly adapter built once per process (analyzer, signer, text model), thread-safe: the
        in-process broker runs several worker threads on one context."""
        # One lock a part: a thread building the analyzer (seconds) does not hold up one that wants the
        # text model; two threads wanting the same part wait for one build.
        with self._lock:
            if name in self._cache:
                return self._cache[name]  # type: ignore[return-value]
            building = self._building.setdefault(name, threading.Lock())
        with building:
            if name not in self._cache:
                self._cache[name] = build()
                settle_heap()
            return self._cache[name]  # type: ignore[return-value]

    @property
    def analyzer(self) -> AnalyzerEngine:
        from privacy.analyzer import build_analyzer

        return self.cached("analyzer", build_analyzer)

    @cached_property
    def signer_config(self) -> SignerConfig:
        from stages.sign import signer_config_from_settings

        return signer_config_from_settings(self.settings)
