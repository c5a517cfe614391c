"""The read-back check of a B-B signature Sportel has just appended, on the bytes as written.

pyHanko's reader would parse the whole signed file again to find the new signature, and read its
``/Contents`` (some 9,000 hex digits) one character at a time: about a third of a signature's CPU time.
This check reads only what the signature added. It accepts a file only when all of the following hold
(what :class:`~stages.sign.SigningSession` checks of every B-B output before release):

* the file is the unsigned input, byte for byte, with one incremental update appended;
* the update holds one signature dictionary (``/Type /Sig``, ``/SubFilter /ETSI.CAdES.detached``) whose
  ``/ByteRange`` is ``[0 a b n]`` with ``b + n`` the file's length and ``a..b`` exactly its hex
  ``/Contents``: the signature covers the whole file;
* that dictionary certifies with no changes allowed (a DocMDP reference with ``/P 1``), and the catalog's
  ``/Perms /DocMDP`` names it;
* its CMS has one signer, identified by the expected certificate, which is embedded; its signed
  attributes are, byte for byte, the three Sportel's signer writes: content type ``data``, the
  signing-certificate-v2 attribute of the expected certificate, and a message digest equal to the SHA-256
  of every byte but the hex contents, computed here; the signature value over those attributes verifies
  with that certificate's key (pyHanko's signature validator, as its ``validate_sig_integrity`` calls it).
  Comparing the attributes as bytes is stricter than ``validate_sig_integrity``'s reading of them, and
  spares matching the certificate's names field by field, more than half of that function's time.

The timestamped levels get the same check of their signature's update, and more
(:func:`timestamped_signature_checks_out`):

* B-T: the file is the input with that one update; the signature carries one unsigned attribute, a
  timestamp token whose imprint is the SHA-256 of the signature value, whose content is a ``TSTInfo``
  with that digest among its signed attributes, and whose signature verifies with the certificate of the
  timestamp authority that :class:`~stages.sign.SigningSession` checked online (chain and revocation)
  within its recheck window, the same window that stands for the signer's certificate;
* B-LT: one more update after the signature's (the document security store), and pyHanko's modification
  analysis, run on the signature as in a full validation, finds nothing but long-term validation data
  added after it and the no-changes certification kept;
* B-LTA: as B-LT, with the update after the signature also holding a document timestamp whose
  ``/ByteRange`` covers every byte up to its update's end but its own hex contents, and whose token is
  over their SHA-256, by that authority; a last update then adds the timestamp's validation data.

What the full read-back checks beyond this is trust, offline, from what the file carries: the paths of
the signer's and the authority's certificates and their revocation data. That is what the online check
before signing already established, with answers fetched at that moment; for B-LT and B-LTA the data
embedded are the very answers that check was made with.

Anything it does not recognise makes it answer ``False``: the caller then reads the file back in full
with pyHanko, whose verdict stands. So this check can only save work, never pass a file the full check
would refuse on its integrity or its changes.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass
from io import BytesIO
from typing import Literal

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator, SignatureValidationContext

__all__ = ["ExpectedSigner", "ExpectedTimestampAuthority", "b_b_signature_checks_out",
           "timestamped_signature_checks_out"]

TimestampedLevel = Literal["B-T", "B-LT", "B-LTA"]

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
_OBJECT_HEADER = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_CONTENTS_KEY = re.compile(rb"/Contents\s*\Z")
_PERMS = re.compile(rb"/Perms\s*<<\s*/DocMDP\s+(\d+)\s+(\d+)\s+R\s*>>")
_TYPE_SIG = re.compile(rb"/Type\s*/Sig(?![\w.])")
_TYPE_DOC_TIMESTAMP = re.compile(rb"/Type\s*/DocTimeStamp(?![\w.])")
_RFC3161_SUBFILTER = re.compile(rb"/SubFilter\s*/ETSI\.RFC3161(?![\w.])")
_END_OF_FILE = re.compile(rb"%%EOF[\r\n]*")
_PADES_SUBFILTER = re.compile(rb"/SubFilter\s*/ETSI\.CAdES\.detached(?![\w.])")
_DOCMDP_NO_CHANGES = re.compile(
    rb"/TransformMethod\s*/DocMDP(?![\w.]).*?/TransformParams\s*<<[^>]*?/P\s+1(?!\d)", re.DOTALL
)


_DIGEST_SIZE = 32
"""SHA-256: the only digest these signatures use."""


@dataclass(frozen=True)
class ExpectedSigner:
    """What the new signature must name and sign, encoded once per process: the signing certificate, and
    the signed attributes around the one value that changes, the message digest."""

    certificate: asn1_x509.Certificate
    certificate_der: bytes
    signer_id_der: bytes
    attributes_before_digest: bytes
    attributes_after_digest: bytes

    @classmethod
    def of(cls, certificate: asn1_x509.Certificate) -> ExpectedSigner:
        signer_id = cms.SignerIdentifier({
            "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
            )
        })
        # The attributes as stages.sign's signer orders them (pyHanko's order): a digest of fixed size
        # keeps every length field the same, so only those 32 bytes differ from one signature to the next.
        placeholder = b"\xa5" * _DIGEST_SIZE
        attributes = cms.CMSAttributes([
            simple_cms_attribute("content_type", "data"),  # type: ignore[no-untyped-call]
            simple_cms_attribute("message_digest", placeholder),  # type: ignore[no-untyped-call]
            simple_cms_attribute(  # type: ignore[no-untyped-call]
                "signing_certificate_v2", as_signing_certificate_v2(certificate, hash_algo="sha256")
            ),
        ]).dump()
        before, found, after = attributes.partition(placeholder)
        assert found and placeholder not in after, "the placeholder digest must occur once"
        return cls(certificate=certificate, certificate_der=certificate.dump(), signer_id_der=signer_id.dump(),
                   attributes_before_digest=before, attributes_after_digest=after)

    def signed_attributes(self, digest: bytes) -> bytes:
        """The DER of the signed attributes (universal SET OF, as signed) carrying ``digest``."""
        return self.attributes_before_digest + digest + self.attributes_after_digest


@dataclass(frozen=True)
class _SignatureDictionary:
    object_number: int
    generation: int
    text: bytes
    """The dictionary without its hex contents."""
    contents_start: int
    contents_end: int


def b_b_signature_checks_out(original: bytes, signed: bytes, expected: ExpectedSigner) -> bool:
    """Whether ``signed`` is ``original`` with one valid B-B certification signature by ``expected``
    appended, covering the whole file (see the module's notes). ``False`` means "not shown here", not
    "invalid": read the file back in full to know."""
    if len(signed) <= len(original) or not signed.startswith(original):
        return False
    return _signer_info_checked(original, signed, expected) is not None


def _signer_info_checked(original: bytes, signed: bytes, expected: ExpectedSigner) -> cms.SignerInfo | None:
    """The signer info of the one certification signature by ``expected`` that ``signed`` (``original``
    and one update) carries over all its bytes, when it checks out; else ``None``."""
    found = _signature_dictionary(signed, len(original))
    if found is None or not _certifies_with_no_changes(signed, len(original), found):
        return None
    try:
        der = binascii.unhexlify(signed[found.contents_start + 1 : found.contents_end - 1])
        # pyHanko pads the reserved room with zeros after the DER: read the first value only.
        content = cms.ContentInfo.load(der, strict=False)
        if content["content_type"].native != "signed_data":
            return None
        signed_data = content["content"]
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            return None
        signer_info: cms.SignerInfo = signer_infos[0]
        if signer_info["sid"].dump() != expected.signer_id_der:
            return None
        if signer_info["digest_algorithm"]["algorithm"].native != "sha256":
            return None
        embedded = [c.chosen.dump() for c in signed_data["certificates"] if c.name == "certificate"]
        if expected.certificate_der not in embedded:
            return None
        digest = _digest_outside(signed, found.contents_start, found.contents_end)
        # The attributes as signed: re-tagged as a universal SET OF, as validate_sig_integrity does.
        signed_attributes = signer_info["signed_attrs"].untag().dump()
        if signed_attributes != expected.signed_attributes(digest):
            return None
        # Raises InvalidSignature when the value does not verify.
        DefaultSignatureValidator().validate_signature(
            signer_info["signature"].native, signed_attributes, expected.certificate.public_key,
            signer_info["signature_algorithm"], context=SignatureValidationContext(contextual_md_algorithm="sha256"),
        )
    except Exception:  # whatever does not parse or verify here is left to the full read-back
        return None
    return signer_info


def _signature_dictionary(signed: bytes, update_start: int) -> _SignatureDictionary | None:
    """The one signature dictionary of the update starting at ``update_start``, if it is laid out as a
    whole-file signature: ``/ByteRange [0 a b n]`` with ``a..b`` its ``/Contents`` hex string and ``b + n``
    the end of the file."""
    ranges = list(_BYTE_RANGE.finditer(signed, update_start))
    if len(ranges) != 1:
        return None
    byte_range = ranges[0]
    zero, start, end, rest = (int(v) for v in byte_range.groups())
    if zero != 0 or not update_start < start < end or end + rest != len(signed):
        return None
    if signed[start : start + 1] != b"<" or signed[end - 1 : end] != b">":
        return None
    # The object holding both the hex contents and the byte range: its header is the last one before them.
    before = min(start, byte_range.start())
    headers = list(_OBJECT_HEADER.finditer(signed, update_start, before))
    if not headers:
        return None
    header = headers[-1]
    object_end = signed.find(b"endobj", max(end, byte_range.end()))
    if object_end < 0 or signed.find(b"endobj", header.end(), before) >= 0:
        return None
    if signed.find(b"endobj", end, byte_range.start()) >= 0 or signed.find(b"endobj", byte_range.end(), start) >= 0:
        return None
    if _CONTENTS_KEY.search(signed, header.end(), start) is None:
        return None
    text = signed[header.end() : start] + signed[end:object_end]
    return _SignatureDictionary(int(header.group(1)), int(header.group(2)), text, start, end)


def _certifies_with_no_changes(signed: bytes, update_start: int, found: _SignatureDictionary) -> bool:
    """The dictionary is a PAdES certification allowing no change, and the catalog's ``/Perms /DocMDP``
    points at it."""
    text = found.text
    if not (_TYPE_SIG.search(text) and _PADES_SUBFILTER.search(text) and _DOCMDP_NO_CHANGES.search(text)):
        return False
    perms = list(_PERMS.finditer(signed, update_start))
    return len(perms) == 1 and (int(perms[0].group(1)), int(perms[0].group(2))) == (
        found.object_number, found.generation
    )


def _digest_outside(signed: bytes, start: int, end: int) -> bytes:
    # hashlib releases the GIL on large buffers: the other worker thread runs meanwhile.
    digest = hashlib.sha256()
    view = memoryview(signed)
    digest.update(view[:start])
    digest.update(view[end:])
    return digest.digest()


# ------------------------------------------------------------------------------------- timestamped levels

_UPDATES = {"B-T": 1, "B-LT": 2, "B-LTA": 3}
"""Incremental updates after the input: the signature's; the validation data's (with the document
timestamp at B-LTA); at B-LTA, the timestamp's validation data."""


@dataclass(frozen=True)
class ExpectedTimestampAuthority:
    """The timestamp authority's certificate, as the session's online check validated it."""

    certificate: asn1_x509.Certificate
    issuer_serial_der: bytes

    @classmethod
    def of_token(cls, token: cms.ContentInfo) -> ExpectedTimestampAuthority | None:
        """The certificate that signed ``token`` (a sample token of the authority just checked), when the
        token carries it; else ``None``."""
        try:
            signed_data = token["content"]
            [signer_info] = signed_data["signer_infos"]
            sid = signer_info["sid"]
            if sid.name != "issuer_and_serial_number":
                return None
            issuer_serial = sid.chosen
            for choice in signed_data["certificates"]:
                cert = choice.chosen
                if choice.name == "certificate" and cert.issuer == issuer_serial["issuer"] and (
                    cert.serial_number == issuer_serial["serial_number"].native
                ):
                    return cls(certificate=cert, issuer_serial_der=sid.dump())
        except (ValueError, KeyError, TypeError):
            return None
        return None


def timestamped_signature_checks_out(
    original: bytes, signed: bytes, expected: ExpectedSigner, authority: ExpectedTimestampAuthority,
    *, level: TimestampedLevel,
) -> bool:
    """Whether ``signed`` is ``original`` with a valid certification signature by ``expected`` at
    ``level``, its timestamps by ``authority``, and after it nothing but long-term validation data (see
    the module's notes). ``False`` means "not shown here": read the file back in full to know."""
    if len(signed) <= len(original) or not signed.startswith(original):
        return False
    ends = [m.end() for m in _END_OF_FILE.finditer(signed, len(original))]
    if len(ends) != _UPDATES[level] or ends[-1] != len(signed):
        return False
    signer_info = _signer_info_checked(original, signed[: ends[0]], expected)
    if signer_info is None:
        return False
    try:
        [attribute] = signer_info["unsigned_attrs"]
        if attribute["type"].native != "signature_time_stamp_token":
            return False
        [token] = attribute["values"]
        imprint = hashlib.sha256(signer_info["signature"].native).digest()
        if not _token_checks_out(token, imprint, authority):
            return False
    except (ValueError, KeyError, TypeError):
        return False
    if level == "B-LTA" and not _document_timestamp_checks_out(signed[: ends[1]], ends[0], authority):
        return False
    return level == "B-T" or _only_validation_data_after(signed)


def _token_checks_out(token: cms.ContentInfo, imprint: bytes, authority: ExpectedTimestampAuthority) -> bool:
    """An RFC 3161 token over ``imprint`` (SHA-256), signed by ``authority``."""
    try:
        if token["content_type"].native != "signed_data":
            return False
        signed_data = token["content"]
        encapsulated = signed_data["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            return False
        tst_info_der = encapsulated["content"].contents
        message_imprint = encapsulated["content"].parsed["message_imprint"]
        if message_imprint["hash_algorithm"]["algorithm"].native != "sha256":
            return False
        if message_imprint["hashed_message"].native != imprint:
            return False
        [signer_info] = signed_data["signer_infos"]
        if signer_info["sid"].dump() != authority.issuer_serial_der:
            return False
        digest_algorithm = signer_info["digest_algorithm"]["algorithm"].native
        attributes = {a["type"].native: a["values"] for a in signer_info["signed_attrs"]}
        [content_type] = attributes["content_type"]
        [message_digest] = attributes["message_digest"]
        if content_type.native != "tst_info":
            return False
        if message_digest.native != hashlib.new(digest_algorithm, tst_info_der).digest():
            return False
        # Raises InvalidSignature when the value does not verify.
        DefaultSignatureValidator().validate_signature(
            signer_info["signature"].native, signer_info["signed_attrs"].untag().dump(),
            authority.certificate.public_key, signer_info["signature_algorithm"],
            context=SignatureValidationContext(contextual_md_algorithm=digest_algorithm),
        )
    except Exception:  # whatever does not parse or verify here is left to the full read-back
        return False
    return True


def _document_timestamp_checks_out(revision: bytes, update_start: int, authority: ExpectedTimestampAuthority) -> bool:
    """``revision`` (the file up to the end of the update starting at ``update_start``) ends in an update
    holding one document timestamp over all its bytes but its hex contents, by ``authority``."""
    found = _signature_dictionary(revision, update_start)
    if found is None or not (_TYPE_DOC_TIMESTAMP.search(found.text) and _RFC3161_SUBFILTER.search(found.text)):
        return False
    try:
        der = binascii.unhexlify(revision[found.contents_start + 1 : found.contents_end - 1])
        token = cms.ContentInfo.load(der, strict=False)
    except (ValueError, TypeError):
        return False
    return _token_checks_out(token, _digest_outside(revision, found.contents_start, found.contents_end), authority)


def _only_validation_data_after(signed: bytes) -> bool:
    """pyHanko's modification analysis of the file's one signature, as a full validation runs it: the
    updates after its revision add long-term validation data only, which its no-changes certification
    allows. (Without the digest that pyHanko's ``compute_integrity_info`` computes first: the caller has
    checked it on these bytes.)"""
    try:
        reader = PdfFileReader(BytesIO(signed), strict=False)
        [signature] = reader.embedded_regular_signatures
        coverage = signature.coverage = signature.evaluate_signature_coverage()
        diff = signature.evaluate_modifications(DEFAULT_DIFF_POLICY)
    except Exception:  # whatever does not read here is left to the full read-back
        return False
    return (
        coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and signature.docmdp_level == MDPPerm.NO_CHANGES
        and isinstance(diff, DiffResult)
        and diff.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
    )
