"""The event loop and HTTP client a signing thread keeps for pyHanko's coroutines (:class:`SigningThreads`).

pyHanko signs in coroutines and gathers its signed attributes with ``asyncio.as_completed``, so even a
signature that touches no network passes through the loop twice. Each pass, asyncio polls its selector
with a zero timeout, and ``epoll_wait`` lets go of the GIL. In a worker whose other thread runs Python
(redaction, intake), getting the GIL back takes up to the switch interval, 5 ms: measured on a B-B
signature of a 3 MB PDF beside a thread running Python, those two polls cost 10.8 ms of the signature's
62 ms wall time, for nothing, since no socket was open that could be ready.

:class:`_PollWhenListening` skips a zero-timeout poll while the only file descriptor registered is the
loop's own wake-up pipe (no socket open). That skips nothing a zero-timeout poll could deliver: the pipe
only wakes a loop blocked in the selector, and a zero timeout means callbacks are already queued, which
the loop runs anyway. A poll that may block, or any poll once a socket is registered (a timestamp
request, a revocation fetch), goes to epoll as usual.

pyHanko's HTTP clients (timestamp requests, OCSP and CRL fetches) open an ``aiohttp`` session per request
or per validation context unless given one, and each new session reads and parses certifi's bundle of
root certificates into a new TLS context: 14 ms of CPU, three times in a B-LTA signature (a timestamp, a
document timestamp, the revocation fetches), whether or not the URL is HTTPS. A signing thread keeps one
session on its lasting loop instead, with one TLS context per process.

A thread also keeps the validation context of its last B-LT or B-LTA signature (:class:`KeptContext`):
its fetched revocation data and the HTTP client it fetched with belong to this thread's loop.
"""

from __future__ import annotations

import asyncio
import functools
import selectors
import ssl
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import certifi
from pyhanko.sign import timestamps
from pyhanko_certvalidator import ValidationContext

__all__ = ["KeptContext", "SigningThreads", "new_signing_loop"]

_T = TypeVar("_T")


class _PollWhenListening(selectors.DefaultSelector):
    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        # The loop registers its wake-up pipe when it is made: one key means no socket.
        if timeout is not None and timeout <= 0 and len(self.get_map()) <= 1:
            return []
        events: list[tuple[selectors.SelectorKey, int]] = super().select(timeout)
        return events


def new_signing_loop() -> asyncio.AbstractEventLoop:
    """A new event loop whose idle zero-timeout polls keep the GIL (see the module's notes)."""
    return asyncio.SelectorEventLoop(_PollWhenListening())


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """The TLS settings of the signing threads' HTTP clients: pyHanko's own (certifi's roots), made once."""
    return ssl.create_default_context(cafile=certifi.where())


async def _new_http_session() -> aiohttp.ClientSession:
    # Made on the loop it will serve: an aiohttp session belongs to the loop it was made on.
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=_tls_context()))


@dataclass(frozen=True)
class KeptContext:
    """A validation context kept for the next signatures of one thread (see :mod:`stages.sign_revinfo`)."""

    context: ValidationContext
    usable_until: float
    """``time.monotonic()`` after which it goes into no new signature."""


class SigningThreads:
    """Each signing thread's event loop (:func:`new_signing_loop`), HTTP client and timestamp client, made
    on the thread's first use and kept until :meth:`close` on that thread.

    ``asyncio.run``, as pyHanko's ``sign_pdf`` calls it, makes and closes a loop for every signature: an
    epoll selector and a socket pair, a dozen system calls, each letting go of the GIL and perhaps waiting
    to get it back from the worker thread beside this one (with the loop kept, GIL releases of a B-B
    signature went from 27 to 11). Per thread, since a loop runs on one thread at a time."""

    def __init__(self, timeout_s: float) -> None:
        self._local = threading.local()
        self._timeout_s = timeout_s

    def run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        """``coroutine`` run on this thread's loop. Like ``asyncio.run``, refuses a thread that already runs
        a loop."""
        # A bare loop, not asyncio.Runner: Python 3.11's Runner formats the repr of its SIGINT handler (the
        # pending task, the PDF in its arguments) on every run in the main thread.
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = new_signing_loop()
        return loop.run_until_complete(coroutine)

    def http(self) -> aiohttp.ClientSession:
        """This thread's HTTP client, for the revocation fetches of a validation context."""
        session: aiohttp.ClientSession | None = getattr(self._local, "http", None)
        if session is None:
            session = self._local.http = self.run(_new_http_session())
        return session

    def timestamper(self, url: str) -> timestamps.HTTPTimeStamper:
        """This thread's client of the timestamp authority at ``url``, on :meth:`http`. It keeps the size of
        the authority's tokens after its first request, for sizing the signatures that follow."""
        stampers: dict[str, timestamps.HTTPTimeStamper] = self._local.__dict__.setdefault("timestampers", {})
        stamper = stampers.get(url)
        if stamper is None:
            stamper = stampers[url] = timestamps.HTTPTimeStamper(url, timeout=self._timeout_s, session=self.http())
        return stamper

    def kept_context(self) -> KeptContext | None:
        """This thread's kept validation context, unless its time has passed."""
        kept: KeptContext | None = getattr(self._local, "context", None)
        if kept is not None and time.monotonic() >= kept.usable_until:
            kept = self._local.context = None
        return kept

    def keep_context(self, kept: KeptContext | None) -> None:
        """Keep ``kept`` for this thread's next signatures; ``None`` lets go of the one kept."""
        self._local.context = kept

    def close(self) -> None:
        """Close this thread's HTTP client and loop, and let go of its kept context (a worker thread about to
        end)."""
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        session: aiohttp.ClientSession | None = getattr(self._local, "http", None)
        self._local.__dict__.clear()
        if loop is None:
            return
        try:
            if session is not None and not session.closed:
                loop.run_until_complete(session.close())
        finally:
            loop.close()
