"""The service catalog: services, their required documents, and document types.

The catalog is data (``pipeline/data/*.yaml``), validated when loaded: adding or changing a service is an
edit to YAML, never to code. Sources are kept on every entry.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.errors import CatalogError
from pipeline.yamlfile import read_yaml

DATA_DIR = Path(__file__).parent / "data"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentType(_Model):
    id: str
    names_sq: list[str]
    gloss_en: str
    variants: list[str] = Field(default_factory=list)
    """Names as written on municipal pages (typos kept), used by title matching."""
    key_phrases: list[str] = Field(default_factory=list)
    """Phrases that typically appear on such a document (issuer, headings, field labels), for the rule
    classifier; written as on real documents, matched diacritic-insensitively."""
    languages: str = "sqi+eng"
    """Tesseract languages for documents of this type."""
    sources: list[str] = Field(default_factory=list)


class RequiredDocument(_Model):
    """One entry of a service's list of required documents.

    ``kind`` is ``plain`` (one document type, or several that must all be there), ``one_of`` (any one of
    ``document_types`` satisfies it) or ``conditional`` (needed only when ``condition`` holds, for
    example for legal persons).
    """

    text: str
    document_types: list[str]
    kind: Literal["plain", "one_of", "conditional"] = "plain"
    condition: str | None = None
    form: Literal["original", "copy", "any"] = "any"
    incomplete: bool = False
    """The source list is cut off inside this entry (``[...]``); the text is not invented further."""

    @model_validator(mode="after")
    def _condition_only_when_conditional(self) -> RequiredDocument:
        if (self.kind == "conditional") != (self.condition is not None):
            raise ValueError("a conditional entry needs a condition, and only a conditional one has it")
        return self


class Service(_Model):
    id: str
    name_sq: str
    institution: str
    department: str | None = None
    municipality: str | None = None
    tier: str | None = None
    """Which group of the reference the service comes from (``shkoder``, ``vau_i_dejes``, ..., ``kosovo``):
    only the ``shkoder`` tier is Shkodra's own; the others are examples from elsewhere."""
    required_documents: list[RequiredDocument]
    documents_complete: bool
    """False where the source list was cut off (``[...]``): the checklist is then marked incomplete."""
    languages: str = "sqi+eng"
    source: str


class Catalog(_Model):
    document_types: list[DocumentType]
    services: list[Service]

    @model_validator(mode="after")
    def _references_resolve(self) -> Catalog:
        known = {d.id for d in self.document_types}
        ids = [d.id for d in self.document_types]
        if len(ids) != len(known):
            raise ValueError("document type ids must be unique")
        service_ids = [s.id for s in self.services]
        if len(service_ids) != len(set(service_ids)):
            raise ValueError("service ids must be unique")
        for service in self.services:
            for entry in service.required_documents:
                unknown = [t for t in entry.document_types if t not in known]
                if unknown:
                    raise ValueError(f"service {service.id} names unknown document types {unknown}")
        return self

    @cached_property
    def types_by_id(self) -> dict[str, DocumentType]:
        return {d.id: d for d in self.document_types}

    @cached_property
    def services_by_id(self) -> dict[str, Service]:
        return {s.id: s for s in self.services}

    def service(self, service_id: str) -> Service:
        try:
            return self.services_by_id[service_id]
        except KeyError:
            raise CatalogError(f"unknown service id {service_id!r}") from None

    def document_type(self, type_id: str) -> DocumentType:
        try:
            return self.types_by_id[type_id]
        except KeyError:
            raise CatalogError(f"unknown document type {type_id!r}") from None


def load_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    """Read and validate ``document_types.yaml`` and ``services.yaml`` from ``data_dir``."""
    try:
        types = read_yaml(data_dir / "document_types.yaml")
        services = read_yaml(data_dir / "services.yaml")
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"cannot read catalog in {data_dir}: {exc}") from exc
    try:
        return Catalog(document_types=types["document_types"], services=services["services"])
    except (KeyError, TypeError, ValidationError) as exc:
        raise CatalogError(f"catalog in {data_dir} does not validate: {exc}") from exc
