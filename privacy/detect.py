"""Personal data on one OCR'd page: which words hold it, and where they are on the page.

The page text is rebuilt in visual lines (:mod:`privacy.page_text`) so each character maps back to its
word; the analyzer runs on it, table columns and unreadable labelled values get a second look
(:mod:`privacy.tables`, :mod:`privacy.reread`), and every result becomes one finding per text line it
touches, boxed by the union of its words. Labels ("Emri:") stay out of the boxes; values go in. Text the
page OCR missed or garbled (under stamps, beside signatures) is read again (:mod:`privacy.recover`) and
analyzed in a second pass whose new findings are added.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from presidio_analyzer import AnalyzerEngine

from pipeline.models import BBox, PageOcr, PiiFinding, Word
from privacy.analysis import analyze
from privacy.page_text import PageText, PlacedWord, TextHit, build_page_text, words_inside
from privacy.recognizers.base import VALIDATED
from privacy.recognizers.lexicon import first_names, generic_words, known_name, surnames
from privacy.recognizers.ocr_text import fold, is_upper_initial
from privacy.recover import RECOVERED_LINE_BASE, InkCheck, ink_check, recover_words, with_recovered
from privacy.repeats import mostly_inside, repeated_values
from privacy.reread import reread_fields, reread_mrz_number
from privacy.signature_lines import signature_names
from privacy.tables import table_hits
from privacy.tess import read_region
from stages.images import darkest_half

log = logging.getLogger(__name__)

COVERED_SHARE = 0.8
"""A second-pass finding this much inside a first-pass box of its type adds nothing."""


def _analyzer_hits(layout: PageText, analyzer: AnalyzerEngine) -> list[TextHit]:
    return [
        TextHit(r.entity_type, r.start, r.end, r.score, bool((r.recognition_metadata or {}).get(VALIDATED)))
        for r in analyze(analyzer, layout.text)
    ]


def _lone_names(layout: PageText) -> list[TextHit]:
    """A known first name or surname alone among recovered words: what is left legible of a name under a
    stamp or beside a signature (elsewhere a lone name word is too often an ordinary word)."""
    known = first_names() | surnames()
    hits = []
    for placed in layout.placed:
        word = layout.words[placed.index]
        text = layout.text[placed.start : placed.end].strip(".,;:()")
        if word.line >= RECOVERED_LINE_BASE and len(text) >= 4 and is_upper_initial(text) and fold(text) in known:
            hits.append(TextHit("PERSON", placed.start, placed.end, 0.5, validated=True))
    return hits


RECOVERED_NAME_SCORE = 0.5
WELL_READ = 60.0


def _recovered_names(page: PageOcr, read: PageOcr, recovered: list[Word]) -> list[PiiFinding]:
    """A known name read again where the page OCR garbled a stretch of a line ("SHK@baFa driu" under a stamp,
    read again "Klara Kac"), when the page's own reading was kept (it looked surer in places, or the second
    reading was shorter: :func:`privacy.recover.with_recovered` does not let a shorter reading stand for a
    whole stretch): the stretch is the name's place, and all of it is boxed (what the second reading missed
    of the name is in it too)."""
    used = {id(word) for word in read.words}
    groups = _overlap_groups(page.words, recovered)
    found = []
    for olds, news in groups:
        if any(id(w) in used for w in news):
            continue  # this reading was taken: the second pass had it
        named = [w for w in news if _known_name_word(w.text)]
        # Over a well-read word the second reading is the worse one ("Admir" read over "nistrator").
        if not olds or not named or any(o.conf >= WELL_READ for o in olds):
            continue
        top, bottom = min(w.bbox.y0 for w in named), max(w.bbox.y1 for w in named)
        reach = bottom - top

        def inline(words: list[Word], top: int = top, bottom: int = bottom) -> list[Word]:
            # On the name's line: a scribble read as a word above or below it is not part of the stretch.
            return [w for w in words if top <= (w.bbox.y0 + w.bbox.y1) / 2 <= bottom]

        stretch = inline([*olds, *news])
        box = _union([w.bbox for w in stretch])
        value = [w.text for w in inline(news)]
        # The rest of the name may be another such stretch right beside it ("Kac" read over "driu"), its
        # reading taken or not.
        grown = True
        while grown:
            grown = False
            for other_olds, other_news in groups:
                other = inline([*other_olds, *other_news])
                if not other or any(w in stretch for w in other):
                    continue
                if _gap(box, _union([w.bbox for w in other])) <= reach:
                    stretch += other
                    box = _union([box, *(w.bbox for w in other)])
                    value += [w.text for w in inline(other_news)]
                    grown = True
        found.append(PiiFinding(entity_type="PERSON", page_index=page.page_index, bbox=box,
                                score=RECOVERED_NAME_SCORE, value=" ".join(value)))
    return found


def _union(boxes: list[BBox]) -> BBox:
    box = boxes[0]
    for other in boxes[1:]:
        box = box.union(other)
    return box


def _gap(a: BBox, b: BBox) -> int:
    """Horizontal distance between two boxes (0 when they overlap sideways)."""
    return max(0, a.x0 - b.x1, b.x0 - a.x1)


def _known_name_word(text: str) -> bool:
    word = text.strip(".,;:()")
    return len(word) >= 4 and is_upper_initial(word) and known_name(fold(word))


def _overlap_groups(old: list[Word], new: list[Word]) -> list[tuple[list[Word], list[Word]]]:
    """New words with the old words they overlap, grouped transitively (two readings of one stretch)."""
    groups: list[tuple[list[Word], list[Word]]] = []
    for word in new:
        under = [o for o in old if o.bbox.intersects(word.bbox)]
        joined = [g for g in groups if any(o in g[0] for o in under) or any(n.bbox.intersects(word.bbox) for n in g[1])]
        olds = [o for g in joined for o in g[0]] + [o for o in under if all(o not in g[0] for g in joined)]
        groups = [g for g in groups if all(g is not j for j in joined)] + [
            (olds, [*(n for g in joined for n in g[1]), word])]
    return groups


def _contains(outer: TextHit, inner: TextHit) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end and (outer.start, outer.end) != (
        inner.start, inner.end
    )


def resolve_overlaps(hits: list[TextHit]) -> list[TextHit]:
    """One reading per stretch of text.

    Of the same entity, overlapping hits merge into their union. Across entities a hit lying inside a
    longer one goes ("Marin Barleti" inside a street address); identical spans keep the higher score.
    Partial overlaps of different entities both stay: each box is redacted either way.
    """
    merged: list[TextHit] = []
    for hit in sorted(hits, key=lambda h: (h.entity, h.start, -h.end)):
        last = merged[-1] if merged else None
        if last is not None and last.entity == hit.entity and hit.start < last.end:
            merged[-1] = TextHit(
                last.entity, last.start, max(last.end, hit.end), max(last.score, hit.score),
                last.validated or hit.validated, last.value if hit.end <= last.end else None,
                last.box.union(hit.box) if last.box and hit.box else last.box or hit.box,
            )
        else:
            merged.append(hit)
    kept = []
    for hit in merged:
        if any(_contains(other, hit) for other in merged):
            continue
        twins = [o for o in merged if (o.start, o.end) == (hit.start, hit.end) and o.entity != hit.entity]
        if any((o.score, o.entity) > (hit.score, hit.entity) for o in twins):
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: (h.start, h.entity))


def _findings(layout: PageText, page: PageOcr, hit: TextHit) -> list[PiiFinding]:
    by_line: dict[int, list[PlacedWord]] = {}
    for placed in layout.words_between(hit.start, hit.end):
        by_line.setdefault(placed.line, []).append(placed)
    findings = []
    for words in by_line.values():
        bbox = layout.box(words[0], hit.start, hit.end)
        for placed in words[1:]:
            bbox = bbox.union(layout.box(placed, hit.start, hit.end))
        lo, hi = words[0].start, words[-1].end
        bbox = layout.widen(bbox, words[0], words[-1])
        if hit.box is not None and len(by_line) == 1:
            bbox = bbox.union(hit.box)
        bbox = bbox.grow(0, page.width, page.height)
        value = layout.text[max(lo, hit.start) : min(hi, hit.end)]
        if hit.value is not None and len(by_line) == 1:
            value = hit.value
        findings.append(PiiFinding(entity_type=hit.entity, page_index=page.page_index, bbox=bbox,
                                   score=round(hit.score, 3), value=value))
    return findings


def _detect(page: PageOcr, image: NDArray[np.uint8] | None, analyzer: AnalyzerEngine,
            ink: InkCheck | None) -> list[PiiFinding]:
    layout = build_page_text(page)
    if not layout.text.strip():
        return []
    faint = ink.faint if ink is not None else None
    hits = _analyzer_hits(layout, analyzer) + table_hits(layout, analyzer, faint) + _lone_names(layout)
    hits = resolve_overlaps(hits)
    if image is not None:
        hits = resolve_overlaps(reread_fields(layout, image, analyzer, hits))
    findings = [finding for hit in hits for finding in _findings(layout, page, hit)]
    return findings + (reread_mrz_number(page, layout, image) if image is not None else [])


def _covered(finding: PiiFinding, others: list[PiiFinding]) -> bool:
    box = finding.bbox
    area = max(1, box.width * box.height)
    for other in others:
        if other.entity_type != finding.entity_type:
            continue
        if box.intersection_area(other.bbox) >= COVERED_SHARE * area:
            return True
    return False


SIGNATURE_SCORE = 0.6
SENTENCE_WORDS = 4


def _signature_names(page: PageOcr, image: NDArray[np.uint8], findings: list[PiiFinding],
                     half: NDArray[np.uint8] | None) -> list[PiiFinding]:
    """Names under signature lines that the text did not already give: their value is what OCR read of
    them, or a closer read of the box; empty when nothing is legible (the box is then proven by its
    pixels)."""
    found = []
    known, vocabulary = first_names() | surnames(), generic_words()
    for box in signature_names(page, image, half=half):
        probe = PiiFinding(entity_type="PERSON", page_index=page.page_index, bbox=box, score=SIGNATURE_SCORE)
        if _covered(probe, findings):
            continue
        words = [w for w in page.words if w.text.strip() and mostly_inside(w.bbox, box)]
        # A role or a label word under the line ("Paguesi", "Arkëtari", "E-mail") says what the line is
        # for; a sentence or an amount is text, not a name. Anything else is a name, read well or not: the
        # lists do not know every name ("Rozafat Zeqiri"), and a stamp leaves only part of one ("oci").
        if _not_a_name([w.text for w in words], known, vocabulary):
            continue
        value = words_inside(page, box) or read_region(image, box, lang=page.lang, dpi=page.dpi)
        if not words and _not_a_name(value.split(), known, vocabulary):
            continue  # the closer read is a role the page OCR missed ("Arkëtari")
        found.append(probe.model_copy(update={"value": _own_words(page, box, value)}))
    return found


def _not_a_name(texts: list[str], known: frozenset[str], vocabulary: frozenset[str]) -> bool:
    """Words under a signature line that are a role, a label, a sentence or a number, and no known name
    (printed as names are: "vula" of "(nënshkrimi dhe vula)" is a surname too)."""
    stripped = [text.strip(".,;:()[]|'\"") for text in texts]
    folded = [fold(text) for text in stripped]
    parts = [part for word in folded for part in re.split(r"[^a-z0-9]+", word) if part]
    named = any(word in known and is_upper_initial(text) for word, text in zip(folded, stripped, strict=True))
    return not named and (
        any(part in vocabulary for part in parts if len(part) >= 4)
        or sum(len(word) >= 3 for word in folded) >= SENTENCE_WORDS
        or any(len(word) >= 3 and word.isdigit() for word in folded))


def _own_words(page: PageOcr, box: BBox, value: str) -> str:
    """The words of a signature box's reading that the page does not also print elsewhere: a garbled
    read of a name under a stamp picks up stray words ("e", "gjelbërimit") that the verification would
    then find, legitimately, in the rest of the page."""
    elsewhere = {fold(w.text.strip(".,;:()[]|'\"")) for w in page.words if not w.bbox.intersects(box)}
    return " ".join(word for word in value.split() if fold(word.strip(".,;:()[]|'\"")) not in elsewhere)


def detect_pii(page: PageOcr, image: NDArray[np.uint8] | None, analyzer: AnalyzerEngine,
               earlier: Sequence[PiiFinding] = ()) -> list[PiiFinding]:
    """Findings of personal data on ``page``; ``image`` (the corrected page the OCR ran on) lets unreadable
    labelled values be re-read and text the OCR missed be recovered, and may be ``None`` when there is no
    image (a born-digital text layer). ``earlier``: the findings of the document's pages before this one,
    whose names and birth dates are looked for on this page too (:func:`privacy.repeats.repeated_values`).

    Recovered text is a second reading, added to the first and never replacing it: the page is analyzed
    as OCR read it, then again with the recovered words in place of those they read better, and the
    findings of the second pass that the first did not already box are added.
    """
    # Stamps are printed lighter than text: their words are no one's name, also where a table says a name
    # goes (the recovered words of the second pass are read from dark ink only).
    ink = ink_check(page, image) if image is not None else None
    findings = _detect(page, image, analyzer, ink)
    # The ink masks of recovery and of signature lines are both made from the page at half size.
    half = darkest_half(ink.image) if ink is not None else None
    recovered = recover_words(page, image, half=half) if image is not None else []
    read = with_recovered(page, recovered) if recovered else page
    if recovered:
        second = _detect(read, None, analyzer, ink)
        findings += [f for f in second if not _covered(f, findings)]
        findings += [f for f in _recovered_names(page, read, recovered) if not _covered(f, findings)]
    if image is not None:
        findings += _signature_names(page, image, findings, half)
    # Repeats are looked for in the page's words and in those recovered: a name printed again under a
    # stamp ("MUHARREMI" above the machine-readable zone) may only have been read the second time.
    findings += repeated_values(read, findings, earlier)
    counts = Counter(f.entity_type for f in findings)
    log.debug("page %d: %d findings %s", page.page_index, len(findings), dict(sorted(counts.items())))
    return findings
