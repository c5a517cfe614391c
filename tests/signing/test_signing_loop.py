"""The signing thread's event loop: idle polls skipped, sockets and wake-ups still served."""

from __future__ import annotations

import asyncio
import os
import selectors
import socket
import threading

import pytest

from stages.sign_loop import _PollWhenListening, new_signing_loop


def test_a_zero_timeout_poll_with_one_descriptor_is_skipped_even_when_it_is_ready() -> None:
    selector = _PollWhenListening()
    read_end, write_end = os.pipe()
    try:
        selector.register(write_end, selectors.EVENT_WRITE)  # an empty pipe is always writable
        assert selector.select(0) == []
        assert [key.fd for key, _ in selector.select(0.5)] == [write_end]
    finally:
        selector.close()
        os.close(read_end)
        os.close(write_end)


def test_a_zero_timeout_poll_with_a_second_descriptor_goes_to_epoll() -> None:
    selector = _PollWhenListening()
    first, second = socket.socketpair()
    try:
        selector.register(first, selectors.EVENT_WRITE)
        selector.register(second, selectors.EVENT_WRITE)
        assert sorted(key.fd for key, _ in selector.select(0)) == sorted([first.fileno(), second.fileno()])
    finally:
        selector.close()
        first.close()
        second.close()


def test_the_loop_runs_as_completed_gatherings_as_pyhanko_signs() -> None:
    async def square(value: int) -> int:
        await asyncio.sleep(0)
        return value * value

    async def gather() -> list[int]:
        return sorted([await job for job in asyncio.as_completed([square(v) for v in range(5)])])

    loop = new_signing_loop()
    try:
        assert loop.run_until_complete(gather()) == [0, 1, 4, 9, 16]
    finally:
        loop.close()


def test_a_socket_opened_on_the_loop_is_still_read() -> None:
    async def receive(sock: socket.socket) -> bytes:
        return await asyncio.get_running_loop().sock_recv(sock, 16)

    loop = new_signing_loop()
    mine, theirs = socket.socketpair()
    mine.setblocking(False)
    timer = threading.Timer(0.05, theirs.sendall, args=(b"token",))
    try:
        timer.start()
        assert loop.run_until_complete(asyncio.wait_for(receive(mine), timeout=5)) == b"token"
    finally:
        timer.cancel()
        loop.close()
        mine.close()
        theirs.close()


def test_a_loop_waiting_on_nothing_but_its_pipe_is_woken_from_another_thread() -> None:
    loop = new_signing_loop()
    try:
        done: asyncio.Future[str] = loop.create_future()
        timer = threading.Timer(0.05, loop.call_soon_threadsafe, args=(done.set_result, "woken"))
        timer.start()
        assert loop.run_until_complete(asyncio.wait_for(done, timeout=5)) == "woken"
        timer.join()
    finally:
        loop.close()


@pytest.mark.parametrize("timeout", [None, 0.01])
def test_a_poll_that_may_wait_is_never_skipped(timeout: float | None) -> None:
    selector = _PollWhenListening()
    read_end, write_end = os.pipe()
    try:
        selector.register(write_end, selectors.EVENT_WRITE)
        assert [key.fd for key, _ in selector.select(timeout)] == [write_end]
    finally:
        selector.close()
        os.close(read_end)
        os.close(write_end)
