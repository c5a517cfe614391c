"""Checklists for real catalog services: plain, one-of and conditional entries, uncertain and extra papers."""

from __future__ import annotations

import pytest

from pipeline.catalog import Catalog, load_catalog
from pipeline.models import Checklist, Classification
from stages.checklist import build_checklist, condition_holds


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def sure(doc_type: str) -> Classification:
    return Classification(document_type=doc_type, confidence=0.95, method="rules", model_version="rules-1")


def unsure(doc_type: str, *alternatives: tuple[str, float]) -> Classification:
    return Classification(document_type=doc_type, confidence=0.4, method="rules", model_version="rules-1",
                          uncertain=True, alternatives=list(alternatives))


def statuses(checklist: Checklist) -> list[str]:
    return [item.status for item in checklist.items]


def item(checklist: Checklist, index: int) -> tuple[str, list[str]]:
    [found] = [i for i in checklist.items if i.slot.startswith(f"{index}: ")]
    return found.status, found.document_ids


INVALIDET = ["family_certificate", "id_card_copy", "residence_certificate", "social_assistance_certificate",
             "property_certificate", "lease_or_use_contract", "income_proof", "medical_documents"]


def test_plain_entries_present_and_missing(catalog: Catalog) -> None:
    service = catalog.service("blq_strehim_invalidet")
    docs = [(f"d{i}", sure(t)) for i, t in enumerate(INVALIDET)]
    complete = build_checklist(service, docs)
    assert statuses(complete) == ["present"] * 8
    assert complete.extra_document_ids == []
    assert complete.documents_complete is True
    without_medical = build_checklist(service, docs[:-1])
    assert item(without_medical, 7) == ("missing", [])
    assert statuses(without_medical).count("present") == 7


def test_a_plain_entry_naming_several_types_needs_all_of_them(catalog: Catalog) -> None:
    service = catalog.service("pv_licence_taksi")  # entry 4: registration, vehicle and passenger insurance
    two = build_checklist(service, [("reg", sure("vehicle_registration")), ("ins", sure("vehicle_insurance"))],
                          facts={"legal_person": True})
    assert item(two, 4) == ("missing", ["reg", "ins"])
    three = build_checklist(service, [("reg", sure("vehicle_registration")), ("ins", sure("vehicle_insurance")),
                                      ("pax", sure("passenger_insurance"))], facts={"legal_person": True})
    assert item(three, 4) == ("present", ["reg", "ins", "pax"])


def test_one_of_is_satisfied_by_any_alternative(catalog: Catalog) -> None:
    service = catalog.service("prm_terheqje_gjendje_civile")  # entry 2: lease OR ownership
    for doc_type in ("lease_or_use_contract", "property_certificate"):
        checklist = build_checklist(service, [("x", sure(doc_type))])
        assert item(checklist, 2) == ("present", ["x"])
    assert item(build_checklist(service, []), 2) == ("missing", [])


def test_conditional_entries_follow_their_fact(catalog: Catalog) -> None:
    service = catalog.service("ks_gjl_murale")  # entry 3: business certificate for legal persons
    business = [("biz", sure("business_registration_certificate"))]
    natural = build_checklist(service, business, facts={"legal_person": False})
    assert all(not i.slot.startswith("3: ") for i in natural.items)
    assert natural.extra_document_ids == ["biz"]
    legal = build_checklist(service, [], facts={"legal_person": True})
    assert item(legal, 3) == ("missing", [])
    unknown = build_checklist(service, [])
    assert item(unknown, 3) == ("uncertain", [])
    assert [i.condition for i in unknown.items if i.slot.startswith("3: ")] == ["legal_person"]
    unknown_but_given = build_checklist(service, business)
    assert item(unknown_but_given, 3) == ("present", ["biz"])


def test_negated_conditions(catalog: Catalog) -> None:
    assert condition_holds("not:legal_person", {"legal_person": True}) is False
    assert condition_holds("not:legal_person", {"legal_person": False}) is True
    assert condition_holds("not:legal_person", {}) is None
    service = catalog.service("pv_licence_taksi")  # entry 9: ID and residence, for natural persons
    company = build_checklist(service, [], facts={"legal_person": True})
    assert all(not i.slot.startswith("9: ") for i in company.items)
    person = build_checklist(service, [("id", sure("id_card_copy"))], facts={"legal_person": False})
    assert item(person, 9) == ("missing", ["id"])


def test_uncertain_documents_fill_only_what_confident_ones_leave_open(catalog: Catalog) -> None:
    service = catalog.service("prm_terheqje_gjendje_civile")  # 0 form, 1 residence, 2 lease/ownership, 3 slip
    docs = [("form", sure("application_form")),
            ("maybe-res", unsure("residence_certificate", ("local_tax_clearance", 0.3))),
            ("maybe-lease", unsure("unclassified", ("lease_or_use_contract", 0.3), ("photo", 0.01)))]
    checklist = build_checklist(service, docs, facts={"residence_never_declared": False})
    assert item(checklist, 0) == ("present", ["form"])
    assert item(checklist, 1) == ("uncertain", ["maybe-res"])
    assert item(checklist, 2) == ("uncertain", ["maybe-lease"])
    confirmed = build_checklist(service, [*docs, ("res", sure("residence_certificate"))],
                                facts={"residence_never_declared": False})
    assert item(confirmed, 1) == ("present", ["res"])
    assert "maybe-res" in confirmed.extra_document_ids


def test_documents_of_other_types_are_extra_never_forced_into_a_slot(catalog: Catalog) -> None:
    service = catalog.service("ks_gjl_pelqim_dokumente_udhetimi")  # only an ID copy
    checklist = build_checklist(service, [("wedding", sure("marriage_certificate")), ("junk", unsure("unclassified"))])
    assert item(checklist, 0) == ("missing", [])
    assert checklist.extra_document_ids == ["wedding", "junk"]


def test_a_type_asked_twice_needs_two_documents(catalog: Catalog) -> None:
    service = catalog.service("ks_gjl_nderprerje_takse_komunale")  # entries 2 and 3 are both application forms
    one = build_checklist(service, [("f1", sure("application_form"))])
    assert sorted([item(one, 2)[0], item(one, 3)[0]]) == ["missing", "present"]
    two = build_checklist(service, [("f1", sure("application_form")), ("f2", sure("application_form"))])
    assert (item(two, 2)[0], item(two, 3)[0]) == ("present", "present")
    assert sorted(item(two, 2)[1] + item(two, 3)[1]) == ["f1", "f2"]


def test_further_copies_of_an_asked_type_join_its_item(catalog: Catalog) -> None:
    service = catalog.service("blq_strehim_invalidet")  # ID copies of every adult member
    checklist = build_checklist(service, [("id1", sure("id_card_copy")), ("id2", sure("id_card_copy"))])
    assert item(checklist, 1) == ("present", ["id1", "id2"])
    assert checklist.extra_document_ids == []


def test_specific_entries_get_their_document_before_an_alternative_takes_it(catalog: Catalog) -> None:
    service = catalog.service("mlq_regjistrim_lindje")  # 0: ID copy OR special power of attorney
    checklist = build_checklist(service, [("poa", sure("owner_authorization")), ("birth", sure("civil_status_other"))])
    assert statuses(checklist) == ["present", "present"]


def test_entries_the_source_could_not_type_need_a_person(catalog: Catalog) -> None:
    service = catalog.service("shk_familje_kujdestare")  # entry 2 was cut off: "Vertetim nga [...]"
    checklist = build_checklist(service, [("fam", sure("family_certificate")), ("res", sure("residence_certificate"))])
    assert statuses(checklist) == ["present", "present", "uncertain"]
    assert checklist.documents_complete is False


def test_a_service_with_no_list_has_no_items_and_is_marked_incomplete(catalog: Catalog) -> None:
    checklist = build_checklist(catalog.service("shk_leje_ndertimi"), [("p", sure("property_certificate"))])
    assert checklist.items == []
    assert checklist.extra_document_ids == ["p"]
    assert checklist.documents_complete is False


@pytest.mark.parametrize("seed", range(200))
def test_matching_fills_as_many_needs_at_as_little_cost_as_an_assignment_solver(seed: int) -> None:
    """The checklist's own matching against SciPy's general assignment solver (which it replaced to spare
    every worker 30 MB): the same number of needs filled and the same total cost, on random checklists."""
    import random

    import numpy as np
    from scipy.optimize import linear_sum_assignment

    from stages.checklist import _cost, _match, _Need

    rng = random.Random(seed)
    types = [f"t{i}" for i in range(6)]
    needs = [_Need(item=i, types=frozenset(rng.sample(types, rng.randint(1, 3))),
                   applies=rng.choice([True, None])) for i in range(rng.randint(1, 9))]
    documents = [(f"d{i}", frozenset(rng.sample(types, rng.randint(1, 2)))) for i in range(rng.randint(1, 9))]

    found = _match(needs, documents)
    assert len(set(found.values())) == len(found), "a document fills one need"
    assert all(needs[n].types & documents[d][1] for n, d in found.items())

    infeasible = 1_000.0
    cost = np.array([[_cost(need) if need.types & doc_types else infeasible for _, doc_types in documents]
                     for need in needs])
    rows, cols = linear_sum_assignment(cost)
    best = [(r, c) for r, c in zip(rows, cols, strict=True) if cost[r, c] < infeasible]
    assert len(found) == len(best)
    assert sum(_cost(needs[n]) for n in found) == pytest.approx(sum(cost[r, c] for r, c in best))
