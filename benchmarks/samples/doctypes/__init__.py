"""The document types the generator can render, by catalog id (``document_types.yaml``)."""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.samples.doctypes.business import income_proof, payment_slip, qkb_extract
from benchmarks.samples.doctypes.cards import id_card_copy, vehicle_registration
from benchmarks.samples.doctypes.civil import (
    family_certificate,
    residence_certificate,
    self_declaration,
    social_assistance_certificate,
)
from benchmarks.samples.doctypes.medical import medical_documents
from benchmarks.samples.doctypes.municipal import application_form, local_tax_clearance
from benchmarks.samples.doctypes.property import lease_or_use_contract, property_certificate
from benchmarks.samples.layout import Doc, DocContext

Builder = Callable[[DocContext], Doc]

BUILDERS: dict[str, Builder] = {
    "id_card_copy": id_card_copy,
    "family_certificate": family_certificate,
    "property_certificate": property_certificate,
    "qkb_extract": qkb_extract,
    "application_form": application_form,
    "payment_slip": payment_slip,
    "self_declaration": self_declaration,
    "residence_certificate": residence_certificate,
    "vehicle_registration": vehicle_registration,
    "local_tax_clearance": local_tax_clearance,
    "lease_or_use_contract": lease_or_use_contract,
    "medical_documents": medical_documents,
    "social_assistance_certificate": social_assistance_certificate,
    "income_proof": income_proof,
}
"""The first twelve are the core set: ``count=12`` renders one of each."""

CORE_TYPES: tuple[str, ...] = tuple(BUILDERS)[:12]
ENGLISH_TYPES: frozenset[str] = frozenset(
    {"medical_documents", "lease_or_use_contract", "payment_slip", "local_tax_clearance", "residence_certificate"})
"""Types that also come in English (issued abroad, by a private clinic, or by an international bank)."""
