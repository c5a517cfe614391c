"""Files as scanning stations write them: an image-only PDF with one JPEG per page (no text layer),
multi-page TIFF (greyscale LZW, or bilevel CCITT G4 as many document scanners default to), PNG and JPEG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image

from benchmarks.samples.scan import ScannedPage

SCANNER_SOFTWARE = ("Canon iR-ADV C5535", "HP Digital Sending Software", "EPSON Scan 2", "KYOCERA TASKalfa 3253ci",
                    "RICOH MP C3004", "Brother ADS-2700W")


def write_pdf(path: Path, pages: Sequence[ScannedPage], producer: str) -> None:
    pdf = pikepdf.new()
    for page in pages:
        width, height = page.width, page.height
        image = pikepdf.Stream(pdf, page.jpeg)
        image.Type = pikepdf.Name.XObject
        image.Subtype = pikepdf.Name.Image
        image.Width = width
        image.Height = height
        image.ColorSpace = pikepdf.Name.DeviceRGB if page.color else pikepdf.Name.DeviceGray
        image.BitsPerComponent = 8
        image.Filter = pikepdf.Name.DCTDecode
        w_pt = width * 72.0 / page.dpi
        h_pt = height * 72.0 / page.dpi
        content = pikepdf.Stream(pdf, f"q {w_pt:.4f} 0 0 {h_pt:.4f} 0 0 cm /Im0 Do Q".encode())
        pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, round(w_pt, 4), round(h_pt, 4)],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
            Contents=content,
        )))
    pdf.docinfo[pikepdf.Name.Producer] = producer
    pdf.docinfo[pikepdf.Name.Creator] = producer
    pdf.save(path, deterministic_id=True)


def _image(page: ScannedPage, bilevel: bool) -> Image.Image:
    pixels = page.pixels()
    if bilevel:
        gray = pixels if pixels.ndim == 2 else np.asarray(Image.fromarray(pixels).convert("L"))
        return Image.fromarray(gray > 160)
    return Image.fromarray(pixels)


def write_tiff(path: Path, pages: Sequence[ScannedPage], bilevel: bool) -> None:
    images = [_image(p, bilevel) for p in pages]
    images[0].save(path, format="TIFF", save_all=True, append_images=images[1:],
                   compression="group4" if bilevel else "tiff_lzw", dpi=(pages[0].dpi, pages[0].dpi))


def write_png(path: Path, page: ScannedPage) -> None:
    Image.fromarray(page.pixels()).save(path, format="PNG", dpi=(page.dpi, page.dpi))


def write_jpeg(path: Path, page: ScannedPage) -> None:
    path.write_bytes(page.jpeg)
