"""Pen and stamp remains read as words in a signature line's column gap are dropped; print there is kept.

The lines are the words tesseract gave for generated signature pages (``sportel samples --seed 9393
--unseen-layout``, doc012 and doc026, hospital letters at 300 dpi; names made up), boxes as read."""

from __future__ import annotations

from pipeline.models import BBox, Word
from stages.scribbles import without_scribbles


def _word(text: str, conf: float, x0: int, y0: int, x1: int, y1: int, line: int = 1) -> Word:
    return Word(text=text, bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y1), conf=conf, block=line, line=line)


def _texts(words: list[Word]) -> str:
    return " ".join(w.text for w in without_scribbles(words))


def test_a_stamp_rings_letters_between_two_signatories_are_dropped() -> None:
    line = [_word("Dr.", 93, 605, 1947, 647, 1977), _word("Vasiel", 92, 662, 1946, 762, 1977),
            _word("Dushku", 97, 778, 1947, 903, 1977), _word("Y-", 43, 1491, 1934, 1523, 1969),
            _word("\\", 93, 1541, 1939, 1547, 1953), _word("Dr.", 97, 1688, 1948, 1730, 1977),
            _word("si", 97, 1814, 1946, 1839, 1977), _word("Fazliu", 97, 1854, 1947, 1948, 1977)]
    assert _texts(line) == "Dr. Vasiel Dushku Dr. si Fazliu"


def test_a_pens_loops_read_in_capitals_and_mixed_case_are_dropped() -> None:
    names = [_word("Dr.", 97, 678, 2313, 727, 2344), _word("Ledia", 97, 745, 2311, 848, 2344),
             _word("Vata", 97, 862, 2313, 942, 2344), _word("“aN", 53, 1501, 2325, 1550, 2349),
             _word("Dr.", 93, 1684, 2312, 1734, 2343), _word("Leunida", 92, 1752, 2311, 1904, 2344),
             _word("Vejseli", 93, 1917, 2311, 2039, 2352)]
    assert _texts(names) == "Dr. Ledia Vata Dr. Leunida Vejseli"
    titles = [_word("Attending", 93, 597, 2106, 806, 2147), _word("physician", 93, 822, 2106, 1020, 2147),
              _word("S", 78, 1518, 2116, 1566, 2162), _word(",", 0, 1588, 2086, 1609, 2136),
              _word("—Head", 91, 1614, 2105, 1758, 2139), _word("9", 79, 1769, 2110, 1800, 2163),
              _word("department", 96, 1827, 2106, 2074, 2146)]
    # "S" stands below the baseline, "," was read with no confidence; "9" is the next column's "of",
    # crossed by the pen, and stays: it is not after a gap.
    assert _texts(titles) == "Attending physician —Head 9 department"


def test_print_in_a_column_gap_stays() -> None:
    """A lone letter, a digit or a dash standing in the next column on the line's baseline is print: an
    initial, a number, an empty cell; so is a short word with a descender, or in lower case."""
    def line(*gap: Word) -> list[Word]:
        return [_word("Emri", 96, 300, 1000, 400, 1033), _word("Mbiemri", 95, 420, 1000, 600, 1033), *gap,
                _word("Shkodër", 96, 1500, 1000, 1680, 1033)]

    for kept in (_word("A.", 90, 900, 1000, 930, 1033), _word("5", 92, 900, 1001, 920, 1033),
                 _word("—", 88, 900, 1012, 940, 1018), _word("jo", 85, 900, 1009, 940, 1046),
                 _word("e", 93, 900, 1012, 918, 1033), _word("në", 91, 900, 1003, 945, 1033)):
        assert _texts(line(kept)) == f"Emri Mbiemri {kept.text} Shkodër", kept.text


def test_a_lab_values_range_read_with_little_confidence_stays() -> None:
    """Tesseract doubts short numbers beside a dash (doc026 of seed 6262, unseen layout): "0.6" at 47,
    "-" and "1.2" at 25. On the line's baseline they are print."""
    row = [_word("Kreatinina", 92, 341, 1972, 525, 2001), _word("2.1", 96, 1149, 1971, 1198, 2001),
           _word("mg/dl", 96, 1216, 1970, 1314, 2009), _word("0.6", 47, 1501, 1971, 1577, 2001),
           _word("-", 25, 1566, 1967, 1579, 2016), _word("1.2", 25, 1593, 1971, 1642, 2001)]
    assert _texts(row) == "Kreatinina 2.1 mg/dl 0.6 - 1.2"


def test_a_short_word_beside_its_neighbour_is_not_a_column_gap() -> None:
    """Words a space apart are one column: a low-confidence "e" there is left to the reading."""
    words = [_word("Emri", 96, 300, 1000, 400, 1033), _word("e", 40, 415, 1010, 433, 1033),
             _word("Mbiemri", 95, 448, 1000, 628, 1033)]
    assert _texts(words) == "Emri e Mbiemri"


def test_a_line_of_fragments_alone_is_left_as_it_reads() -> None:
    """Without two words of print to give the line's baseline, nothing tells a fragment from print."""
    words = [_word("Y-", 43, 100, 100, 130, 135), _word("Dr.", 90, 600, 110, 640, 140)]
    assert _texts(words) == "Y- Dr."


def test_other_lines_are_untouched() -> None:
    first = [_word("Dr.", 93, 605, 1947, 647, 1977, line=1), _word("Vasiel", 92, 662, 1946, 762, 1977, line=1),
             _word("Dushku", 97, 778, 1947, 903, 1977, line=1), _word("Y-", 43, 1491, 1934, 1523, 1969, line=1)]
    second = [_word("Y-", 43, 1491, 2034, 1523, 2069, line=2), _word("Kryetari", 92, 1600, 2040, 1800, 2070, line=2)]
    assert _texts([*first, *second]) == "Dr. Vasiel Dushku Y- Kryetari"
