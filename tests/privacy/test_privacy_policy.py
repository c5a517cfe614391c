"""Access decisions of the shipped policy, role by role, and validation of policy files."""

from __future__ import annotations

import functools
import typing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import AccessDeniedError, CatalogError, ConfigurationError
from pipeline.models import PII_ENTITY_TYPES
from privacy.policy import (
    DEFAULT_POLICY_FILE,
    Decision,
    Grant,
    Policy,
    Principal,
    Resource,
    Role,
    decide,
    decide_grant,
    load_policy,
    require,
    unknown_document_types,
)
from storage.audit_chain import ResourceKind

ALL_KINDS: tuple[ResourceKind, ...] = typing.get_args(ResourceKind)
NOW = datetime.now(UTC)
CASE = "case-0001"
SOCIAL_SERVICE = "shk_ndihma_ekonomike"
TRANSPORT_SERVICE = "shk_transport_linje_qytetese"


@functools.cache
def shipped_policy() -> Policy:
    return load_policy()


@pytest.fixture
def policy() -> Policy:
    return shipped_policy()


def principal(
    role: Role, user_id: str = "user-1", departments: tuple[str, ...] = (), services: tuple[str, ...] = ()
) -> Principal:
    return Principal(
        user_id=user_id, role=role, departments=frozenset(departments), services=frozenset(services)
    )


def officer(
    department: str = "social", services: tuple[str, ...] = ("*",), user_id: str = "officer-1"
) -> Principal:
    return principal(Role.BACK_OFFICE_OFFICER, user_id, (department,), services)


def resource(
    kind: ResourceKind,
    document_type: str | None = "family_certificate",
    department: str | None = "social",
    service_id: str = SOCIAL_SERVICE,
    case_id: str = CASE,
) -> Resource:
    return Resource(
        kind=kind,
        case_id=case_id,
        document_id="doc-1",
        document_type=document_type,
        service_id=service_id,
        department=department,
    )


def grant(
    user_id: str = "officer-1",
    purpose: str = "case_processing",
    expires_in: timedelta = timedelta(hours=8),
    case_id: str = CASE,
) -> Grant:
    return Grant(
        grant_id=f"grant-{user_id}-{purpose}",
        user_id=user_id,
        case_id=case_id,
        purpose=purpose,
        expires_at=NOW + expires_in,
    )


def run(
    policy: Policy,
    who: Principal,
    what: Resource,
    *,
    purpose: str | None = None,
    grants: tuple[Grant, ...] = (),
    assigned: tuple[str, ...] = (),
) -> Decision:
    return decide(
        policy, who, what, purpose=purpose, grants=grants, assigned_case_ids=frozenset(assigned), now=NOW
    )


# ------------------------------------------------------------------------------------------------ roles


def test_scanning_station_reads_nothing(policy: Policy) -> None:
    station = principal(Role.SCANNING_STATION, "station-1", ("*",), ("*",))
    for kind in ALL_KINDS:
        decision = run(
            policy,
            station,
            resource(kind),
            purpose="case_processing",
            assigned=("*",),
            grants=(grant("station-1"),),
        )
        assert not decision.allowed, kind
        assert decision.reason == "role_cannot_read_kind"


def test_front_desk_sees_redacted_copies_only(policy: Policy) -> None:
    desk = principal(Role.FRONT_DESK, "desk-1")
    redacted = run(policy, desk, resource("redacted"))
    assert redacted.allowed and redacted.redacted
    assert redacted.visible_entities == frozenset()
    for kind in ("original", "ocr_text", "export", "audit"):
        assert not run(
            policy,
            desk,
            resource(kind),
            purpose="case_processing",
            assigned=("*",),
            grants=(grant("desk-1"),),
        ).allowed, kind


def test_assigned_officer_with_purpose_and_grant_sees_the_original(policy: Policy) -> None:
    given_grant = grant()
    decision = run(
        policy,
        officer(),
        resource("original"),
        purpose="case_processing",
        grants=(given_grant,),
        assigned=(CASE,),
    )
    assert decision.allowed
    assert not decision.redacted
    assert decision.visible_entities == frozenset(PII_ENTITY_TYPES)
    assert decision.grant_id == given_grant.grant_id


def test_officer_not_assigned_gets_no_original(policy: Policy) -> None:
    decision = run(
        policy,
        officer(),
        resource("original"),
        purpose="case_processing",
        grants=(grant(),),
        assigned=("case-other",),
    )
    assert not decision.allowed
    assert decision.reason == "not_assigned_to_case"


@pytest.mark.parametrize(
    ("purpose", "grants", "reason"),
    [
        (None, (grant(),), "purpose_required"),
        ("curiosity", (grant(),), "purpose_unknown"),
        ("case_processing", (), "no_grant"),
        ("case_processing", (grant(purpose="appeal_review"),), "no_grant"),
        ("case_processing", (grant(user_id="officer-2"),), "no_grant"),
        ("case_processing", (grant(case_id="case-other"),), "no_grant"),
        ("case_processing", (grant(expires_in=-timedelta(minutes=1)),), "grant_expired"),
        ("case_processing", (grant(expires_in=timedelta(0)),), "grant_expired"),
    ],
    ids=[
        "no-purpose",
        "unknown-purpose",
        "no-grant",
        "grant-other-purpose",
        "grant-other-user",
        "grant-other-case",
        "expired",
        "expires-now",
    ],
)
def test_original_needs_purpose_and_a_current_matching_grant(
    policy: Policy, purpose: str | None, grants: tuple[Grant, ...], reason: str
) -> None:
    decision = run(policy, officer(), resource("original"), purpose=purpose, grants=grants, assigned=(CASE,))
    assert not decision.allowed
    assert decision.reason == reason


def test_a_current_grant_wins_over_an_expired_one(policy: Policy) -> None:
    expired = Grant(
        grant_id="old",
        user_id="officer-1",
        case_id=CASE,
        purpose="case_processing",
        expires_at=NOW - timedelta(days=1),
    )
    current = grant()
    decision = run(
        policy,
        officer(),
        resource("original"),
        purpose="case_processing",
        grants=(expired, current),
        assigned=(CASE,),
    )
    assert decision.allowed
    assert decision.grant_id == current.grant_id


def test_social_officer_sees_names_and_personal_numbers_on_family_certificates(policy: Policy) -> None:
    decision = run(policy, officer(), resource("redacted", "family_certificate"))
    assert decision.allowed and decision.redacted
    assert {"PERSON", "AL_PERSONAL_NUMBER"} <= decision.visible_entities
    assert "IBAN_CODE" not in decision.visible_entities


def test_officer_visibility_falls_back_to_the_redacted_default(policy: Policy) -> None:
    decision = run(policy, officer(), resource("redacted", "payment_slip"))
    assert decision.allowed and decision.redacted
    assert decision.visible_entities == frozenset()


def test_transport_rule_does_not_reach_the_social_department(policy: Policy) -> None:
    rule = policy.visibility_for(Role.BACK_OFFICE_OFFICER, "social", "vehicle_registration")
    assert rule.unredacted == frozenset()
    transport = run(
        policy,
        officer("transport", user_id="officer-2"),
        resource("redacted", "vehicle_registration", "transport", TRANSPORT_SERVICE),
    )
    assert "AL_VEHICLE_PLATE" in transport.visible_entities


@pytest.mark.parametrize(
    ("who", "what", "reason"),
    [
        (officer("transport"), resource("redacted"), "outside_department_scope"),
        (officer(services=(TRANSPORT_SERVICE,)), resource("redacted"), "outside_service_scope"),
        (officer(), resource("redacted", department=None), "department_unknown"),
    ],
    ids=["other-department", "other-service", "no-department"],
)
def test_officer_is_scoped_to_department_and_service(
    policy: Policy, who: Principal, what: Resource, reason: str
) -> None:
    decision = run(policy, who, what)
    assert not decision.allowed
    assert decision.reason == reason


def test_dpo_reads_the_audit_log_but_documents_only_redacted(policy: Policy) -> None:
    dpo = principal(Role.DATA_PROTECTION_OFFICER, "dpo-1")
    audit = run(policy, dpo, resource("audit", None, None), purpose="audit_review")
    assert audit.allowed
    assert not run(policy, dpo, resource("audit", None, None)).allowed  # a purpose must be stated
    document = run(policy, dpo, resource("redacted"))
    assert document.allowed and document.redacted
    assert document.visible_entities == frozenset()
    original = run(
        policy,
        dpo,
        resource("original"),
        purpose="audit_review",
        assigned=("*",),
        grants=(grant("dpo-1", "audit_review"),),
    )
    assert not original.allowed


def test_administrator_sees_metadata_only(policy: Policy) -> None:
    admin = principal(Role.ADMINISTRATOR, "admin-1")
    assert run(policy, admin, resource("metadata")).allowed
    for kind in ("redacted", "page_image", "ocr_text", "original", "audit"):
        assert not run(policy, admin, resource(kind), purpose="audit_review").allowed, kind


def test_external_institution_sees_only_listed_document_types_redacted(policy: Policy) -> None:
    external = principal(Role.EXTERNAL_INSTITUTION, "ext-1", services=(SOCIAL_SERVICE,))
    listed = run(policy, external, resource("redacted", "social_assistance_certificate"))
    assert listed.allowed and listed.redacted
    assert listed.visible_entities == frozenset({"PERSON", "AL_PERSONAL_NUMBER"})
    family = run(policy, external, resource("redacted", "family_certificate"))
    assert family.allowed and family.visible_entities == frozenset()
    unlisted = run(policy, external, resource("redacted", "property_certificate"))
    assert not unlisted.allowed and unlisted.reason == "document_type_not_listed"
    other_service = run(
        policy, external, resource("redacted", "family_certificate", service_id=TRANSPORT_SERVICE)
    )
    assert not other_service.allowed and other_service.reason == "outside_service_scope"
    for kind in ("original", "page_image", "ocr_text", "search", "export", "audit"):
        assert not run(
            policy,
            external,
            resource(kind, "social_assistance_certificate"),
            purpose="case_processing",
            assigned=("*",),
            grants=(grant("ext-1"),),
        ).allowed, kind


# ------------------------------------------------------------------------------------------- invariants

_roles = st.sampled_from(list(Role))
_kinds = st.sampled_from(ALL_KINDS)
_cases = st.sampled_from([CASE, "case-0002"])
_purposes = st.one_of(
    st.none(), st.sampled_from(["case_processing", "appeal_review", "audit_review", "nosy"])
)
_grants = st.lists(
    st.builds(
        Grant,
        grant_id=st.just("g"),
        user_id=st.sampled_from(["u1", "u2"]),
        case_id=_cases,
        purpose=st.sampled_from(["case_processing", "appeal_review"]),
        expires_at=st.sampled_from([NOW - timedelta(hours=1), NOW, NOW + timedelta(hours=1)]),
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(
    role=_roles,
    kind=_kinds,
    case_id=_cases,
    purpose=_purposes,
    grants=_grants,
    assigned=st.frozensets(st.sampled_from([CASE, "case-0002", "*"]), max_size=2),
    department=st.sampled_from(["social", "transport", "*"]),
)
def test_unredacted_content_only_through_the_original_rules(
    role: Role,
    kind: ResourceKind,
    case_id: str,
    purpose: str | None,
    grants: list[Grant],
    assigned: frozenset[str],
    department: str,
) -> None:
    policy = shipped_policy()
    who = Principal(user_id="u1", role=role, departments=frozenset({department}), services=frozenset({"*"}))
    what = resource(kind, case_id=case_id)
    decision = decide(policy, who, what, purpose=purpose, grants=grants, assigned_case_ids=assigned, now=NOW)
    if not decision.allowed:
        assert decision.visible_entities == frozenset()
        return
    assert kind in policy.roles[role].kinds
    if kind == "original":
        assert role is Role.BACK_OFFICE_OFFICER
        assert case_id in assigned or "*" in assigned
        assert any(
            g.user_id == "u1" and g.case_id == case_id and g.purpose == purpose and g.expires_at > NOW
            for g in grants
        )
    elif kind not in ("metadata", "audit"):
        assert decision.redacted


# ------------------------------------------------------------------------------------------------ grants


def test_grants_are_issued_by_an_administrator_for_a_bounded_time(policy: Policy) -> None:
    admin = principal(Role.ADMINISTRATOR, "admin-1")
    assert decide_grant(policy, admin, grant(), now=NOW).allowed
    limit = timedelta(hours=policy.grants.max_validity_hours)
    cases = {
        "role_cannot_grant": (officer(user_id="officer-9"), grant()),
        "self_grant": (principal(Role.ADMINISTRATOR, "officer-1"), grant()),
        "purpose_unknown": (admin, grant(purpose="curiosity")),
        "grant_expired": (admin, grant(expires_in=-timedelta(seconds=1))),
        "grant_too_long": (admin, grant(expires_in=limit + timedelta(minutes=1))),
    }
    for reason, (issuer, asked) in cases.items():
        decision = decide_grant(policy, issuer, asked, now=NOW)
        assert not decision.allowed
        assert decision.reason == reason


def test_require_raises_access_denied_with_the_reason_only(policy: Policy) -> None:
    denied = run(policy, officer(), resource("original"), assigned=("*",))
    with pytest.raises(AccessDeniedError) as error:
        require(denied)
    assert denied.reason in str(error.value)
    assert "officer-1" not in str(error.value)
    allowed = run(policy, officer(), resource("redacted"))
    assert require(allowed) is allowed


def test_naive_times_are_refused(policy: Policy) -> None:
    with pytest.raises(ValueError, match="time zone"):
        decide(
            policy,
            officer(),
            resource("redacted"),
            purpose=None,
            grants=(),
            assigned_case_ids=frozenset(),
            now=datetime.now(),
        )


# ------------------------------------------------------------------------------------------ policy file


def _write(tmp_path: Path, mutate: typing.Callable[[dict[str, typing.Any]], None]) -> Path:
    raw = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda raw: raw["visibility"].pop(0), "default rule"),
        (lambda raw: raw["visibility"][1]["unredacted"].append("SHOE_SIZE"), "SHOE_SIZE"),
        (lambda raw: raw["roles"].pop("front_desk"), "front_desk"),
        (lambda raw: raw["roles"]["front_desk"]["kinds"].append("everything"), "everything"),
        (lambda raw: raw["visibility"].append(dict(raw["visibility"][1])), "more than one"),
        (lambda raw: raw["roles"].__setitem__("janitor", {"kinds": [], "scope": "none"}), "janitor"),
        (lambda raw: raw["roles"]["scanning_station"].__setitem__("kinds", ["redacted"]), "scope 'none'"),
    ],
    ids=[
        "no-default",
        "unknown-entity",
        "missing-role",
        "unknown-kind",
        "duplicate-rule",
        "unknown-role",
        "none-scope-with-kinds",
    ],
)
def test_a_bad_policy_file_gets_a_clear_error(
    tmp_path: Path, mutate: typing.Callable[[dict[str, typing.Any]], None], message: str
) -> None:
    path = _write(tmp_path, mutate)
    with pytest.raises(ConfigurationError) as error:
        load_policy(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_unreadable_policy_files_get_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("roles: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_policy(broken)
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="mapping"):
        load_policy(listed)


def test_shipped_policy_names_only_catalog_document_types(policy: Policy) -> None:
    from pipeline.catalog import load_catalog

    try:
        catalog = load_catalog()
    except CatalogError as exc:
        pytest.skip(f"catalog data not available yet: {exc.code}")
    assert unknown_document_types(policy, catalog.types_by_id) == []
    assert unknown_document_types(policy, set()) != []
