"""The event loop a signing thread keeps for pyHanko's coroutines.

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
"""

from __future__ import annotations

import asyncio
import selectors

__all__ = ["new_signing_loop"]


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
