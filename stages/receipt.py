"""The front-desk receipt: a one-page PDF, in Albanian, handed to the citizen before they leave the desk.

It says what the desk received (each document under the type Sportel recognised), which of the service's
required documents are missing, and which need an officer's look. It carries what the citizen is handed
anyway (case number, service, document names) and nothing else: no name, no personal number, no address.
The font is DejaVu Sans, embedded, so ë and ç print and copy as themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.catalog import Service
from pipeline.errors import ConfigurationError
from pipeline.models import Checklist, ChecklistItem
from stages.classify import UNCLASSIFIED

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_FACES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
_FAMILY = "DejaVuSans"

STATUS_SQ = {"present": "dorëzuar", "missing": "mungon", "uncertain": "për t'u verifikuar"}


@dataclass(frozen=True)
class ReceivedDocument:
    document_id: str
    document_type: str | None
    """A catalog type id, ``unclassified``, or ``None`` while the document is still being read."""
    uncertain: bool
    page_count: int


def _font_path(file_name: str) -> Path:
    for folder in _FONT_DIRS:
        if (folder / file_name).is_file():
            return folder / file_name
    raise ConfigurationError(f"{file_name} not found: install fonts-dejavu-core")


def _type_name(type_id: str | None, type_names: Mapping[str, str]) -> str:
    if type_id is None or type_id == UNCLASSIFIED:
        return "Dokument i panjohur"
    return type_names.get(type_id, type_id)


def _slot_text(item: ChecklistItem) -> str:
    """The service's own wording of the entry, without the index the checklist keys it by."""
    _, _, text = item.slot.partition(": ")
    return text or item.slot


def build_receipt(
    *,
    case_id: str,
    service: Service,
    checklist: Checklist | None,
    documents: Sequence[ReceivedDocument],
    type_names: Mapping[str, str],
    issued_at: datetime,
) -> bytes:
    """The receipt as PDF bytes. ``type_names`` maps type ids to their Albanian names; ``issued_at`` is
    printed and used as the file's creation date, so the same inputs give the same bytes."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(issued_at)
    pdf.set_title(f"Dëftesë pranimi {case_id}")
    pdf.set_author("Sportel")
    for style, file_name in _FACES.items():
        pdf.add_font(_FAMILY, style, str(_font_path(file_name)))
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()

    def line(text: str, *, size: float = 10.5, bold: bool = False, gap: float = 0.0) -> None:
        pdf.set_font(_FAMILY, "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        if gap:
            pdf.ln(gap)

    line(service.institution, size=10, bold=True)
    line("Zyra me Një Ndalesë", size=10, gap=4)
    line("DËFTESË PRANIMI E DOKUMENTEVE", size=15, bold=True, gap=3)
    line(f"Nr. i rastit: {case_id}", bold=True)
    line(f"Shërbimi: {service.name_sq}")
    line(f"Data e pranimit: {issued_at.strftime('%d.%m.%Y %H:%M')}", gap=4)

    items = checklist.items if checklist else []
    line("Dokumentet e pranuara", size=12, bold=True, gap=1)
    if not documents:
        line("Asnjë dokument nuk është pranuar ende.")
    extra = set(checklist.extra_document_ids) if checklist else set()
    for number, document in enumerate(documents, start=1):
        notes = [f"{document.page_count} faqe"]
        if document.document_type is None:
            notes.append("në përpunim")
        elif document.uncertain or document.document_type == UNCLASSIFIED:
            notes.append("lloji për t'u verifikuar")
        if document.document_id in extra:
            notes.append("nuk kërkohet për këtë shërbim")
        line(f"{number}. {_type_name(document.document_type, type_names)} ({', '.join(notes)})")
    pdf.ln(3)

    for status, heading in (("missing", "Dokumentet që mungojnë"),
                            ("uncertain", "Dokumentet për t'u verifikuar nga zyra")):
        selected = [item for item in items if item.status == status]
        line(heading, size=12, bold=True, gap=1)
        if not selected:
            line("Asnjë.")
        for item in selected:
            suffix = " (nëse zbatohet për ju)" if item.condition else ""
            line(f"- {_slot_text(item)}{suffix}")
        pdf.ln(3)

    line("Dokumentet e kërkuara të dorëzuara", size=12, bold=True, gap=1)
    present = [item for item in items if item.status == "present"]
    if not present:
        line("Asnjë.")
    for item in present:
        line(f"- {_slot_text(item)}")
    pdf.ln(4)

    if checklist is not None and not checklist.documents_complete:
        line("Shënim: lista e dokumenteve të këtij shërbimi në burim është e paplotë; zyra mund të kërkojë "
             "dokumente të tjera.", size=9, gap=2)
    line("Ruajeni këtë dëftesë dhe paraqiteni kur sillni dokumentet që mungojnë. Ajo nuk përmban të dhëna "
         "personale.", size=9)
    return bytes(pdf.output())
