"""pyHanko's reader, reading PDF hex strings (``<48656c6c6f>``) in one pass instead of a byte at a time.

Why: a signature's ``/Contents`` is a hex string of tens of thousands of digits (the CMS, its timestamp
token, reserved room), and a B-LT or B-LTA file holds two of them. pyHanko 0.38 reads such a string one
``stream.read(1)`` and one generator step per digit: some 10 ms a string here, read again each time a
signature is checked. That was about half the CPU of the modification analysis run on every B-LT and
B-LTA output before release, and it is paid again by ``sportel verify``.

:func:`use_fast_hex_strings` swaps pyHanko's module-level reader for :func:`read_hex_string`, which gives
the very same result: when the string holds anything but hex digits and PDF white space up to its ``>``
(a comment, a stray byte, a missing end), it hands the stream back to pyHanko's own reader, which then
raises or skips exactly as before. It is a process-wide switch, made by whoever reads signatures, never
at import.
"""

from __future__ import annotations

import binascii
import re
from typing import IO, Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

__all__ = ["read_hex_string", "use_fast_hex_strings"]

_PYHANKO_READER = generic.read_hex_string_from_stream
_PLAIN_BODY = re.compile(rb"[0-9A-Fa-f \n\r\t\f\x00]*")
_FIRST_BLOCK = 512
_BLOCK = 1 << 16


def read_hex_string(stream: IO[bytes]) -> Any:
    """What ``pyhanko.pdf_utils.generic.read_hex_string_from_stream`` returns for ``stream`` positioned
    at a ``<``, leaving the stream just after the closing ``>`` as it does."""
    start = stream.tell()
    stream.read(1)
    parts: list[bytes] = []
    block_size = _FIRST_BLOCK
    while True:
        block = stream.read(block_size)
        end = block.find(b">")
        if end >= 0:
            parts.append(block[:end])
            break
        if not block:
            return _pyhanko_reads_from(stream, start)
        parts.append(block)
        block_size = _BLOCK
    body = b"".join(parts)
    if _PLAIN_BODY.fullmatch(body) is None:
        return _pyhanko_reads_from(stream, start)
    stream.seek(start + len(body) + 2)
    digits = body.translate(None, PDF_WHITESPACE)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def _pyhanko_reads_from(stream: IO[bytes], start: int) -> Any:
    stream.seek(start)
    return _PYHANKO_READER(stream)


def use_fast_hex_strings() -> None:
    """Make pyHanko's object reader use :func:`read_hex_string` in this process (idempotent; one
    attribute assignment, so threads may call it at any time)."""
    generic.read_hex_string_from_stream = read_hex_string
