"""The one-pass hex string reader gives what pyHanko's own reader gives, errors and stream position
included, on well-formed and on broken strings."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

from stages import pdf_hex
from stages.sign import validate_pdf
from tests.signing.measure_signing_time import scanned_pdf

_PYHANKO = pdf_hex._PYHANKO_READER


def _outcome(reader: Any, data: bytes) -> tuple[str, Any, int]:
    stream = BytesIO(data)
    try:
        value = reader(stream)
    except PdfStreamError as exc:
        return "error", str(exc), stream.tell()
    return type(value).__name__, bytes(value.original_bytes), stream.tell()


_CHARACTERS = st.sampled_from(list(b"0123456789abcdefABCDEF \n\r\t\f\x00%>gZ<("))


@settings(max_examples=400)
@given(body=st.lists(_CHARACTERS, max_size=80).map(bytes), tail=st.binary(max_size=8))
def test_any_string_reads_as_pyhanko_reads_it(body: bytes, tail: bytes) -> None:
    data = b"<" + body + tail
    assert _outcome(pdf_hex.read_hex_string, data) == _outcome(_PYHANKO, data)


@pytest.mark.parametrize(
    "data",
    [
        b"<>",
        b"<4>",
        b"<48 65\n6c\r6c\t6f>rest",
        b"<FEFF00e9>",
        b"<48%comment > still comment\n65>",
        b"<48g5>",
        b"<4865",
        b"<" + b"0a" * 40_000 + b">/Type",
    ],
)
def test_the_cases_that_matter_read_as_pyhanko_reads_them(data: bytes) -> None:
    assert _outcome(pdf_hex.read_hex_string, data) == _outcome(_PYHANKO, data)


def test_a_long_string_reads_in_one_pass() -> None:
    """A signature's contents: 80 000 digits; pyHanko reads them a byte at a time."""
    digits = bytes(range(256)).hex().encode() * 160
    stream = BytesIO(b"<" + digits + b">")
    assert bytes(pdf_hex.read_hex_string(stream).original_bytes) == bytes(range(256)) * 160
    assert stream.tell() == len(digits) + 2


def test_once_switched_on_pyhankos_reader_uses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generic, "read_hex_string_from_stream", _PYHANKO)
    calls: list[int] = []
    original = pdf_hex.read_hex_string

    def counting(stream: Any) -> Any:
        calls.append(1)
        return original(stream)

    monkeypatch.setattr(pdf_hex, "read_hex_string", counting)
    pdf_hex.use_fast_hex_strings()
    assert generic.read_hex_string_from_stream is counting
    value = generic.read_object(BytesIO(b"<0a0B> 12"), None)  # type: ignore[arg-type]
    assert isinstance(value, generic.ByteStringObject)
    assert bytes(value.original_bytes) == b"\x0a\x0b"
    assert calls == [1]


def test_validation_reads_hex_strings_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generic, "read_hex_string_from_stream", _PYHANKO)
    validate_pdf(scanned_pdf(1), trust_roots=[])
    assert generic.read_hex_string_from_stream is pdf_hex.read_hex_string
