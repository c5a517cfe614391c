"""A service's checklist: which required documents a case has, which are missing, which need a look.

Each required-document entry of the service becomes one item:

* ``plain``: every listed type must be there; ``one_of``: any one of them will do;
* ``conditional``: needed only when its fact holds (``facts={"legal_person": True}``; ``not:<fact>`` holds
  when the fact is false). An entry whose fact is false is left out. An entry whose fact is unknown is
  listed: ``present`` when documents fill it, ``uncertain`` otherwise (it may not apply), never
  ``missing``; the item carries its ``condition`` so the officer knows what to ask.

A confident classification fills a slot of its type; a document classified as uncertain fills a slot only
when no confident one does, and then the item is ``uncertain``. Entries the source could not type (no
document types) are always ``uncertain``: a person has to look. Each document fills at most one slot; a
service that asks for the same type twice needs two such documents. Documents of a type the service asks
for beyond its slots are listed with that item; documents that fill nothing go to
``extra_document_ids`` under the type they really are, never forced into a slot. The form (original or
copy) is not judged here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline.catalog import RequiredDocument, Service
from pipeline.models import Checklist, ChecklistItem, ChecklistStatus, Classification
from stages.classify import UNCLASSIFIED

ALTERNATIVE_MIN_PROBABILITY = 0.05
"""An uncertain document may fill a slot for one of its alternatives at least this likely."""

_PENALTY_UNKNOWN_CONDITION = 0.2
_PENALTY_PER_OPTION = 0.01


@dataclass(frozen=True)
class _Need:
    item: int
    types: frozenset[str]
    applies: bool | None


def condition_holds(condition: str, facts: Mapping[str, bool]) -> bool | None:
    """Whether a conditional entry applies given ``facts``; ``None`` when its fact is unknown."""
    negated = condition.startswith("not:")
    value = facts.get(condition.removeprefix("not:"))
    if value is None:
        return None
    return not value if negated else value


def _applies(entry: RequiredDocument, facts: Mapping[str, bool]) -> bool | None:
    if entry.kind != "conditional" or entry.condition is None:
        return True
    return condition_holds(entry.condition, facts)


def _needs(item: int, entry: RequiredDocument, applies: bool | None) -> list[_Need]:
    if entry.kind == "one_of":
        return [_Need(item, frozenset(entry.document_types), applies)]
    return [_Need(item, frozenset({t}), applies) for t in entry.document_types]


def _match(needs: Sequence[_Need], documents: Sequence[tuple[str, frozenset[str]]]) -> dict[int, int]:
    """Need index -> document index, filling as many needs as possible; definite, specific needs first.

    A need's cost does not depend on which document fills it, so the sets of needs that can be filled
    together form a transversal matroid, and taking the needs cheapest first, each kept when an
    augmenting path still finds it a document (Kuhn's algorithm), fills the most needs at the least
    total cost: the optimum a general assignment solver finds. Written out rather than taken from
    ``scipy.optimize.linear_sum_assignment``: a checklist is a few dozen cells, and importing SciPy cost
    every worker process 30 MB of resident memory for it."""
    fits = [[d for d, (_, types) in enumerate(documents) if need.types & types] for need in needs]
    filled_by: dict[int, int] = {}  # document -> need

    def place(n: int, seen: set[int]) -> bool:
        for d in fits[n]:
            if d in seen:
                continue
            seen.add(d)
            if d not in filled_by or place(filled_by[d], seen):
                filled_by[d] = n
                return True
        return False

    for n in sorted(range(len(needs)), key=lambda n: (_cost(needs[n]), n)):
        place(n, set())
    return {n: d for d, n in filled_by.items()}


def _cost(need: _Need) -> float:
    penalty = _PENALTY_PER_OPTION * len(need.types)
    return penalty + _PENALTY_UNKNOWN_CONDITION if need.applies is None else penalty


def _candidate_types(result: Classification) -> frozenset[str]:
    types = {t for t, p in result.alternatives if p >= ALTERNATIVE_MIN_PROBABILITY}
    if result.document_type != UNCLASSIFIED:
        types.add(result.document_type)
    return frozenset(types)


def _status(applies: bool | None, entry: RequiredDocument, filled: Sequence[str | None]) -> ChecklistStatus:
    if not entry.document_types:
        return "uncertain"
    if all(f == "confident" for f in filled):
        return "present"
    if applies is None or all(f is not None for f in filled):
        return "uncertain"
    return "missing"


def build_checklist(
    service: Service,
    documents: Sequence[tuple[str, Classification]],
    *,
    facts: Mapping[str, bool] | None = None,
) -> Checklist:
    """Check ``documents`` (id and classification) against ``service``'s required documents."""
    facts = facts or {}
    confident = [(doc_id, frozenset({r.document_type})) for doc_id, r in documents
                 if not r.uncertain and r.document_type != UNCLASSIFIED]
    unsure = [(doc_id, _candidate_types(r)) for doc_id, r in documents
              if r.uncertain or r.document_type == UNCLASSIFIED]

    entries = [(i, e, _applies(e, facts)) for i, e in enumerate(service.required_documents)]
    entries = [(i, e, applies) for i, e, applies in entries if applies is not False]
    needs = [need for position, (_, entry, applies) in enumerate(entries)
             for need in _needs(position, entry, applies)]

    # Confident documents first; only needs they leave open look at uncertain ones.
    sure_fill = _match(needs, confident)
    open_needs = [n for n in range(len(needs)) if n not in sure_fill]
    unsure_fill = {open_needs[n]: d for n, d in _match([needs[n] for n in open_needs], unsure).items()}

    item_docs: list[list[str]] = [[] for _ in entries]
    item_fill: list[list[str | None]] = [[] for _ in entries]
    for n, need in enumerate(needs):
        if n in sure_fill:
            item_docs[need.item].append(confident[sure_fill[n]][0])
            item_fill[need.item].append("confident")
        elif n in unsure_fill:
            item_docs[need.item].append(unsure[unsure_fill[n]][0])
            item_fill[need.item].append("uncertain")
        else:
            item_fill[need.item].append(None)

    used_sure, used_unsure = set(sure_fill.values()), set(unsure_fill.values())
    extra: list[str] = []
    for d, (doc_id, types) in enumerate(confident):
        if d in used_sure:
            continue
        # A further document of a type the service asks for (ID copies of every adult, say) joins its item.
        item = next((need.item for need in needs if need.types & types), None)
        if item is None:
            extra.append(doc_id)
        else:
            item_docs[item].append(doc_id)
    extra.extend(doc_id for d, (doc_id, _) in enumerate(unsure) if d not in used_unsure)

    items = [
        ChecklistItem(
            slot=f"{index}: {entry.text}",
            document_types=list(entry.document_types),
            status=_status(applies, entry, item_fill[position]),
            document_ids=item_docs[position],
            condition=entry.condition,
        )
        for position, (index, entry, applies) in enumerate(entries)
    ]
    return Checklist(service_id=service.id, items=items, extra_document_ids=extra,
                     documents_complete=service.documents_complete)
