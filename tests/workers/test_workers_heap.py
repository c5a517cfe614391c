"""One malloc heap for all of a process's threads (:func:`workers.heap.use_one_heap`), counted by glibc's
own ``malloc_info`` in a fresh process: worker threads that each allocate get a heap of their own unless
the entry point asked for one."""

from __future__ import annotations

import subprocess
import sys

import pytest

_PROBE = """
import ctypes, ctypes.util, os, sys, tempfile, threading
import numpy as np
if sys.argv[1] == "one":
    from workers.heap import use_one_heap
    use_one_heap()
def work():
    blocks = [np.ones(8000) for _ in range(50)]  # 64 KB each: from the thread's heap, not mmap
    del blocks
threads = [threading.Thread(target=work) for _ in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "info.xml")
    handle = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, handle)
    libc.fclose(handle)
    print(open(path).read().count("<heap nr="))
"""


def _heaps(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_the_entry_points_setting_gives_every_thread_one_heap() -> None:
    assert _heaps("default") > 1, "glibc gives threads heaps of their own: the probe would prove nothing"
    assert _heaps("one") == 1
