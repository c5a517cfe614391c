"""Cover and separator sheets: the QR payloads a scanning station prints, and reading them back.

A cover sheet routes a batch to a case and service; a separator sheet ends one document and starts the
next. Both carry a QR code (zxing-cpp) with a short versioned payload, so that a sheet printed by an older
release still reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import cv2
import numpy as np
import zxingcpp
from numpy.typing import NDArray

COVER_PREFIX = "SPORTEL/COVER/1?"
SEPARATOR_PAYLOAD = "SPORTEL/SEP/1"

_A4_MM = (210.0, 297.0)


@dataclass(frozen=True)
class SheetCode:
    kind: str
    """``cover`` or ``separator``."""
    case_id: str | None = None
    service_id: str | None = None


def cover_payload(case_id: str, service_id: str) -> str:
    return COVER_PREFIX + urlencode({"case": case_id, "service": service_id})


def parse_payload(text: str) -> SheetCode | None:
    """The sheet a QR payload names, or ``None`` for any other code (a citizen's document may carry one)."""
    if text == SEPARATOR_PAYLOAD:
        return SheetCode(kind="separator")
    if text.startswith(COVER_PREFIX):
        fields = dict(parse_qsl(text[len(COVER_PREFIX) :]))
        if "case" in fields and "service" in fields:
            return SheetCode(kind="cover", case_id=fields["case"], service_id=fields["service"])
    return None


_READ_SCALE = 0.5
"""Sheet codes are printed large (modules of about 1 mm: 6 pixels at half of 300 dpi), and zxing reads a
half-size page in a quarter of the time (6 ms against 25 ms an A4 page), on every page of every batch."""


def read_sheet_codes(image: NDArray[np.uint8]) -> list[SheetCode]:
    """All Sportel sheet codes found on a grayscale page image."""
    found: list[SheetCode] = []
    if min(image.shape[:2]) >= 1200:
        image = np.asarray(cv2.resize(image, None, fx=_READ_SCALE, fy=_READ_SCALE, interpolation=cv2.INTER_AREA),
                           dtype=np.uint8)
    for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)):
        code = parse_payload(result.text)
        if code is not None:
            found.append(code)
    return found


def _blank_a4(dpi: int) -> NDArray[np.uint8]:
    width = round(_A4_MM[0] / 25.4 * dpi)
    height = round(_A4_MM[1] / 25.4 * dpi)
    return np.full((height, width), 255, dtype=np.uint8)


def _place_qr(page: NDArray[np.uint8], payload: str, dpi: int) -> None:
    qr = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    module_image = np.asarray(qr.to_image(scale=1, add_quiet_zones=True), dtype=np.uint8)
    side = round(dpi * 1.6)  # about 4 cm: reads after a poor scan at 150 dpi
    qr_image = cv2.resize(module_image, (side, side), interpolation=cv2.INTER_NEAREST)
    top = round(dpi * 1.0)
    left = (page.shape[1] - side) // 2
    page[top : top + side, left : left + side] = qr_image


def render_cover_sheet(case_id: str, service_id: str, *, dpi: int = 300, label: str | None = None) -> NDArray[np.uint8]:
    """A grayscale A4 cover sheet image for ``case_id`` and ``service_id``."""
    page = _blank_a4(dpi)
    _place_qr(page, cover_payload(case_id, service_id), dpi)
    text_top = round(dpi * 3.2)
    lines = ["FLETE MBULESE / COVER SHEET", f"Rasti: {case_id}", f"Sherbimi: {service_id}", label or ""]
    for i, line in enumerate(lines):
        if line:
            cv2.putText(page, line, (round(dpi * 0.8), text_top + i * round(dpi * 0.35)),
                        cv2.FONT_HERSHEY_SIMPLEX, dpi / 300, 0, max(1, dpi // 150), cv2.LINE_AA)
    return page


def render_separator_sheet(*, dpi: int = 300) -> NDArray[np.uint8]:
    """A grayscale A4 separator sheet image."""
    page = _blank_a4(dpi)
    _place_qr(page, SEPARATOR_PAYLOAD, dpi)
    cv2.putText(page, "NDARES / SEPARATOR", (round(dpi * 0.8), round(dpi * 3.2)),
                cv2.FONT_HERSHEY_SIMPLEX, dpi / 300, 0, max(1, dpi // 150), cv2.LINE_AA)
    return page
