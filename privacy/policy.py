"""Who may see what: a pure decision over the access policy in ``policy.yaml``.

Every read the API serves goes through :func:`decide`, and every decision (allowed or denied) is written
to the audit log. Deny by default: anything the policy does not list is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.errors import AccessDeniedError, ConfigurationError
from pipeline.models import PII_ENTITY_TYPES
from pipeline.yamlfile import read_yaml
from storage.audit_chain import ResourceKind

DEFAULT_POLICY_FILE = Path(__file__).parent / "policy.yaml"
ANY = "*"

# Kinds that serve no document content, so no entity visibility applies to them.
CONTENTLESS_KINDS: frozenset[str] = frozenset({"metadata", "audit"})


class Role(StrEnum):
    SCANNING_STATION = "scanning_station"
    FRONT_DESK = "front_desk"
    BACK_OFFICE_OFFICER = "back_office_officer"
    DATA_PROTECTION_OFFICER = "data_protection_officer"
    ADMINISTRATOR = "administrator"
    EXTERNAL_INSTITUTION = "external_institution"


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    departments: frozenset[str]
    """Departments the principal works for; ``"*"`` for all."""
    services: frozenset[str]
    """Services the principal handles; ``"*"`` for all."""


@dataclass(frozen=True)
class Resource:
    kind: ResourceKind
    case_id: str
    document_id: str | None
    document_type: str | None
    service_id: str
    department: str | None


@dataclass(frozen=True)
class Grant:
    grant_id: str
    user_id: str
    case_id: str
    purpose: str
    expires_at: datetime


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    """A short code (``not_assigned_to_case``, ``grant_expired``, ...): safe for logs and the audit log."""
    visible_entities: frozenset[str]
    """Entity types shown unredacted; everything else detected is masked."""
    redacted: bool
    grant_id: str | None = None
    """The grant an allowed read of an original relies on, for the audit entry."""


# ------------------------------------------------------------------------------------------ policy file

Scope = Literal["none", "all", "service", "department_and_service"]
_PurposeCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.-]{0,63}$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RoleRule(_Model):
    kinds: frozenset[ResourceKind]
    scope: Scope
    document_types: frozenset[str] = frozenset({ANY})

    @model_validator(mode="after")
    def _scope_none_reads_nothing(self) -> RoleRule:
        if self.scope == "none" and self.kinds:
            raise ValueError("a role with scope 'none' cannot list resource kinds")
        return self


class VisibilityRule(_Model):
    role: Role | Literal["*"]
    department: str = ANY
    document_type: str = ANY
    unredacted: frozenset[str]

    @field_validator("unredacted")
    @classmethod
    def _known_entity_types(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(value - set(PII_ENTITY_TYPES))
        if unknown:
            raise ValueError(f"unknown entity types {unknown}; known: {list(PII_ENTITY_TYPES)}")
        return value

    @property
    def key(self) -> tuple[str, str, str]:
        return (str(self.role), self.department, self.document_type)

    @property
    def specificity(self) -> tuple[bool, bool, bool]:
        return (self.role != ANY, self.document_type != ANY, self.department != ANY)


class GrantRules(_Model):
    issuer_roles: frozenset[Role]
    max_validity_hours: float = Field(gt=0)


class Policy(_Model):
    version: Literal[1]
    purposes: dict[_PurposeCode, str]
    purpose_required: frozenset[ResourceKind]
    grants: GrantRules
    roles: dict[Role, RoleRule]
    visibility: tuple[VisibilityRule, ...]

    @field_validator("roles")
    @classmethod
    def _every_role_listed(cls, roles: dict[Role, RoleRule]) -> dict[Role, RoleRule]:
        missing = sorted(r.value for r in Role if r not in roles)
        if missing:
            raise ValueError(f"roles missing from the policy: {missing}")
        return roles

    @field_validator("visibility")
    @classmethod
    def _one_rule_per_key_and_a_default(cls, rules: tuple[VisibilityRule, ...]) -> tuple[VisibilityRule, ...]:
        keys = [r.key for r in rules]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"more than one visibility rule for {duplicates}")
        if (ANY, ANY, ANY) not in keys:
            raise ValueError("visibility needs a default rule with role, department and document_type '*'")
        return rules

    def visibility_for(self, role: Role, department: str | None, document_type: str | None) -> VisibilityRule:
        """The most specific visibility rule matching; the validated default always matches."""
        matching = [
            rule for rule in self.visibility
            if rule.role in (ANY, role)
            and rule.department in (ANY, department)
            and rule.document_type in (ANY, document_type)
        ]
        return max(matching, key=lambda rule: rule.specificity)


def load_policy(path: Path | None = None) -> Policy:
    """Read and validate a policy file (default: the one shipped in this package)."""
    source = path or DEFAULT_POLICY_FILE
    try:
        raw = read_yaml(source)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read access policy {source}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigurationError(f"access policy {source} must be a mapping")
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        raise ConfigurationError(f"access policy {source} does not validate: {exc}") from exc


def unknown_document_types(policy: Policy, known: Iterable[str]) -> list[str]:
    """Document types the policy names that ``known`` (the catalog's ids) does not: typos never match."""
    named = {rule.document_type for rule in policy.visibility}
    for role_rule in policy.roles.values():
        named |= role_rule.document_types
    return sorted(named - set(known) - {ANY})


# -------------------------------------------------------------------------------------------- decisions


def _deny(reason: str) -> Decision:
    return Decision(allowed=False, reason=reason, visible_entities=frozenset(), redacted=True)


def _member(value: str | None, allowed: frozenset[str]) -> bool:
    return ANY in allowed or (value is not None and value in allowed)


def _aware(value: datetime, name: str) -> None:
    if value.tzinfo is None:
        raise ValueError(f"{name} must carry a time zone")


def _scope_denial(rule: RoleRule, principal: Principal, resource: Resource) -> str | None:
    if rule.scope == "none":
        return "role_reads_nothing"
    scoped_by_service = rule.scope in ("service", "department_and_service")
    if scoped_by_service and not _member(resource.service_id, principal.services):
        return "outside_service_scope"
    if rule.scope == "department_and_service":
        if resource.department is None:
            return "department_unknown"
        if not _member(resource.department, principal.departments):
            return "outside_department_scope"
    return None


def decide(
    policy: Policy,
    principal: Principal,
    resource: Resource,
    *,
    purpose: str | None,
    grants: Sequence[Grant],
    assigned_case_ids: frozenset[str],
    now: datetime,
) -> Decision:
    """May ``principal`` read ``resource`` now, and unredacted for which entity types?

    ``grants`` are the grants known for the principal (others are ignored); ``assigned_case_ids`` the
    cases the principal is assigned to (``"*"`` for all). Times must carry a time zone.
    """
    _aware(now, "now")
    rule = policy.roles[principal.role]
    if resource.kind not in rule.kinds:
        return _deny("role_cannot_read_kind")
    scope_denial = _scope_denial(rule, principal, resource)
    if scope_denial:
        return _deny(scope_denial)
    if ANY not in rule.document_types and resource.document_type not in rule.document_types:
        return _deny("document_type_not_listed")
    if purpose is not None and purpose not in policy.purposes:
        return _deny("purpose_unknown")
    if resource.kind in policy.purpose_required and not purpose:
        return _deny("purpose_required")
    if resource.kind == "original":
        return _decide_original(principal, resource, purpose, grants, assigned_case_ids, now)
    if resource.kind in CONTENTLESS_KINDS:
        return Decision(allowed=True, reason="allowed", visible_entities=frozenset(), redacted=False)
    visible = policy.visibility_for(principal.role, resource.department, resource.document_type).unredacted
    return Decision(allowed=True, reason="allowed_redacted", visible_entities=visible, redacted=True)


def _decide_original(
    principal: Principal,
    resource: Resource,
    purpose: str | None,
    grants: Sequence[Grant],
    assigned_case_ids: frozenset[str],
    now: datetime,
) -> Decision:
    if not _member(resource.case_id, assigned_case_ids):
        return _deny("not_assigned_to_case")
    if not purpose:
        return _deny("purpose_required")
    matching = [
        g for g in grants
        if g.user_id == principal.user_id and g.case_id == resource.case_id and g.purpose == purpose
    ]
    for grant in matching:
        _aware(grant.expires_at, "grant expires_at")
    current = [g for g in matching if g.expires_at > now]
    if not current:
        return _deny("grant_expired" if matching else "no_grant")
    chosen = max(current, key=lambda g: g.expires_at)
    return Decision(allowed=True, reason="allowed_original", visible_entities=frozenset(PII_ENTITY_TYPES),
                    redacted=False, grant_id=chosen.grant_id)


def decide_grant(policy: Policy, issuer: Principal, grant: Grant, *, now: datetime) -> Decision:
    """May ``issuer`` issue ``grant`` now? Issuers are the policy's issuer roles, never the grantee
    themselves; the purpose must be a known one and the expiry in the future, within the maximum."""
    _aware(now, "now")
    _aware(grant.expires_at, "grant expires_at")
    if issuer.role not in policy.grants.issuer_roles:
        return _deny("role_cannot_grant")
    if issuer.user_id == grant.user_id:
        return _deny("self_grant")
    if grant.purpose not in policy.purposes:
        return _deny("purpose_unknown")
    if grant.expires_at <= now:
        return _deny("grant_expired")
    if grant.expires_at - now > timedelta(hours=policy.grants.max_validity_hours):
        return _deny("grant_too_long")
    return Decision(allowed=True, reason="granted", visible_entities=frozenset(), redacted=True,
                    grant_id=grant.grant_id)


def require(decision: Decision) -> Decision:
    """The decision if allowed; otherwise :class:`AccessDeniedError` naming the reason code."""
    if not decision.allowed:
        raise AccessDeniedError(f"access denied: {decision.reason}")
    return decision
