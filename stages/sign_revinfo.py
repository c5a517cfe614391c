"""How long the revocation data a validation context fetched may go into the signatures that follow.

A B-LT or B-LTA signature carries OCSP responses and CRLs for its certificates (the signer's chain, the
timestamp authority's). Fetched afresh for every signature, that is an OCSP request and a CRL or two per
output, each response parsed and its signature checked, on top of the two timestamp requests. Every
response says how long it stands (``nextUpdate``): within that window one fetched response vouches for
the certificate as well at the second signature as at the first, and OCSP clients keep responses for
that long (RFC 5019 §6). So a signing thread keeps its validation context (its fetched responses and
validated paths) for the signatures that follow, until the earliest ``nextUpdate`` among them, less
:data:`NEXT_UPDATE_MARGIN`, and never past the session's recheck of the certificates.

A response without ``nextUpdate`` ("ask again whenever you like") is kept for no later signature.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from asn1crypto import crl, ocsp
from pyhanko_certvalidator import ValidationContext

__all__ = ["NEXT_UPDATE_MARGIN", "revocation_data_expiry"]

NEXT_UPDATE_MARGIN = timedelta(minutes=1)
"""Kept data stops this long before its ``nextUpdate``: a signature still in the making, or a validator's
clock a little ahead, stays inside the window the responses vouch for."""


def revocation_data_expiry(context: ValidationContext) -> datetime | None:
    """When the revocation data ``context`` has fetched should stop going into new signatures; ``None``
    when it should not be reused (nothing fetched, or a response that gives no ``nextUpdate``)."""
    updates = [*_ocsp_next_updates(context.ocsps), *(_crl_next_update(c) for c in context.crls)]
    if not updates or any(update is None for update in updates):
        return None
    return min(update for update in updates if update is not None) - NEXT_UPDATE_MARGIN


def _ocsp_next_updates(responses: Iterable[ocsp.OCSPResponse]) -> list[datetime | None]:
    updates: list[datetime | None] = []
    for response in responses:
        basic = response["response_bytes"]["response"].parsed
        updates.extend(single["next_update"].native for single in basic["tbs_response_data"]["responses"])
    return updates


def _crl_next_update(revocation_list: crl.CertificateList) -> datetime | None:
    update: datetime | None = revocation_list["tbs_cert_list"]["next_update"].native
    return update
