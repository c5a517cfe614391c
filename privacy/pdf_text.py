"""Every text a PDF holds, read straight from its objects (no renderer): for redaction verification.

- :func:`shown_texts`: the strings the pages' text operators show, decoded through each font's
  ``/ToUnicode`` map where there is one (subset fonts give "Ë" a one-byte code such as ``\\x01``), and as
  Latin-1 and UTF-16 besides;
- :func:`object_texts`: every string of every object and every decompressed stream except images, with
  hex strings inside streams decoded too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pikepdf

_TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}
_HEX_STRING = re.compile(rb"<([0-9A-Fa-f\s]{4,})>")
_CMAP_SECTION = re.compile(rb"begin(bfchar|bfrange)(.*?)end\1", re.DOTALL)
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])")
_MAX_DEPTH = 32


def decodings(data: bytes) -> list[str]:
    """``data`` read as Latin-1 and as UTF-16 (big-endian, at either byte alignment)."""
    texts = [data.decode("latin-1")]
    for start in (0, 1):
        chunk = data[start:]
        texts.append(chunk[: len(chunk) // 2 * 2].decode("utf-16-be", errors="ignore"))
    return texts


class ToUnicode:
    """A font's ``/ToUnicode`` CMap: character codes of one width to text."""

    def __init__(self, cmap: bytes) -> None:
        self.codes: dict[bytes, str] = {}
        self.width = 1
        for kind, body in _CMAP_SECTION.findall(cmap):
            if kind == b"bfchar":
                pairs = _HEX.findall(body)
                for source, target in zip(pairs[::2], pairs[1::2], strict=False):
                    self._add(bytes.fromhex(source.decode()), _utf16(target))
            else:
                for low, high, target in _RANGE.findall(body):
                    self._add_range(bytes.fromhex(low.decode()), bytes.fromhex(high.decode()), target)

    def _add(self, code: bytes, text: str) -> None:
        self.codes[code] = text
        self.width = len(code)

    def _add_range(self, low: bytes, high: bytes, target: bytes) -> None:
        start, end = int.from_bytes(low, "big"), int.from_bytes(high, "big")
        targets = _HEX.findall(target)
        for offset, code in enumerate(range(start, min(end, start + 65535) + 1)):
            key = code.to_bytes(len(low), "big")
            if target.startswith(b"["):
                if offset < len(targets):
                    self._add(key, _utf16(targets[offset]))
            else:
                base = bytes.fromhex(targets[0].decode()) if targets else b""
                value = int.from_bytes(base, "big") + offset if base else 0
                self._add(key, value.to_bytes(max(2, len(base)), "big").decode("utf-16-be", errors="ignore"))

    def decode(self, data: bytes) -> str:
        step = self.width
        return "".join(self.codes.get(data[i : i + step], "") for i in range(0, len(data), step))


def _utf16(hex_digits: bytes) -> str:
    return bytes.fromhex(hex_digits.decode()).decode("utf-16-be", errors="ignore")


def _fonts(container: pikepdf.Object) -> dict[str, ToUnicode]:
    resources = container.get("/Resources")
    fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
    maps: dict[str, ToUnicode] = {}
    if isinstance(fonts, pikepdf.Dictionary):
        for name, font in fonts.items():
            cmap = font.get("/ToUnicode") if isinstance(font, pikepdf.Dictionary) else None
            if isinstance(cmap, pikepdf.Stream):
                maps[str(name)] = ToUnicode(cmap.read_bytes())
    return maps


def _shown(container: pikepdf.Object, seen: set[tuple[int, int]]) -> Iterator[str]:
    """Texts shown by one page or form, one per text object, forms drawn inside it included."""
    fonts = _fonts(container)
    current: ToUnicode | None = None
    block: list[bytes] = []
    decoded: list[str] = []
    for instruction in pikepdf.parse_content_stream(container):
        operands, name = instruction.operands, str(instruction.operator)
        if name == "Tf" and operands:
            current = fonts.get(str(operands[0]))
        elif name in _TEXT_OPERATORS:
            for operand in operands:
                items = operand if isinstance(operand, pikepdf.Array) else [operand]
                for item in items:
                    if isinstance(item, pikepdf.String):
                        block.append(bytes(item))
                        if current is not None:
                            decoded.append(current.decode(bytes(item)))
        elif name == "ET":
            yield from _flush(block, decoded)
            block, decoded = [], []
        elif name == "Do" and operands:
            resources = container.get("/Resources")
            xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
            target = xobjects.get(str(operands[0])) if isinstance(xobjects, pikepdf.Dictionary) else None
            if isinstance(target, pikepdf.Stream) and target.get("/Subtype") == "/Form" and target.objgen not in seen:
                seen.add(target.objgen)
                yield from _shown(target, seen)
    yield from _flush(block, decoded)


def _flush(block: list[bytes], decoded: list[str]) -> Iterator[str]:
    if block:
        yield from decodings(b"".join(block))
    if decoded:
        yield "".join(decoded)


def shown_texts(pdf: pikepdf.Pdf) -> list[str]:
    """What the text operators of every page show (raises ``pikepdf.PdfError`` on a broken stream)."""
    return [text for page in pdf.pages for text in _shown(page.obj, set())]


def _strings_of(obj: pikepdf.Object, depth: int = 0) -> Iterator[bytes]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(obj, pikepdf.String):
        yield bytes(obj)
    elif isinstance(obj, pikepdf.Array):
        for item in obj:
            yield from _strings_of(item, depth + 1)
    elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        for key in obj.keys():  # noqa: SIM118 (a pikepdf dictionary is not a dict)
            value = obj.get(key)
            if isinstance(value, pikepdf.Object) and not value.is_indirect:
                yield from _strings_of(value, depth + 1)


def _stream_texts(stream: pikepdf.Stream) -> list[str]:
    if stream.get("/Subtype") == "/Image":
        # Pixels are proven by the image checks; read as text they are noise that could match by chance.
        return []
    try:
        data = stream.read_bytes()
    except pikepdf.PdfError:
        data = stream.read_raw_bytes()
    texts = decodings(data)
    for match in _HEX_STRING.finditer(data):
        digits = re.sub(rb"\s", b"", match.group(1))
        if len(digits) % 2 == 0:
            texts.extend(decodings(bytes.fromhex(digits.decode("ascii"))))
    return texts


def object_texts(pdf: pikepdf.Pdf) -> list[str]:
    """Every string and every non-image stream of the file, decoded every way it might be text."""
    texts: list[str] = []
    for obj in pdf.objects:
        for string in _strings_of(obj):
            texts.extend(decodings(string))
        if isinstance(obj, pikepdf.Stream):
            texts.extend(_stream_texts(obj))
    return texts
