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

Anything it does not recognise makes it answer ``False``: the caller then reads the file back in full
with pyHanko, whose verdict stands. So this check can only save work, never pass a file the full check
would refuse.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator, SignatureValidationContext

__all__ = ["ExpectedSigner", "b_b_signature_checks_out"]

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
_OBJECT_HEADER = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_CONTENTS_KEY = re.compile(rb"/Contents\s*\Z")
_PERMS = re.compile(rb"/Perms\s*<<\s*/DocMDP\s+(\d+)\s+(\d+)\s+R\s*>>")
_TYPE_SIG = re.compile(rb"/Type\s*/Sig(?![\w.])")
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
    found = _signature_dictionary(signed, len(original))
    if found is None or not _certifies_with_no_changes(signed, len(original), found):
        return False
    try:
        der = binascii.unhexlify(signed[found.contents_start + 1 : found.contents_end - 1])
        # pyHanko pads the reserved room with zeros after the DER: read the first value only.
        content = cms.ContentInfo.load(der, strict=False)
        if content["content_type"].native != "signed_data":
            return False
        signed_data = content["content"]
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            return False
        signer_info = signer_infos[0]
        if signer_info["sid"].dump() != expected.signer_id_der:
            return False
        if signer_info["digest_algorithm"]["algorithm"].native != "sha256":
            return False
        embedded = [c.chosen.dump() for c in signed_data["certificates"] if c.name == "certificate"]
        if expected.certificate_der not in embedded:
            return False
        digest = _digest_outside(signed, found.contents_start, found.contents_end)
        # The attributes as signed: re-tagged as a universal SET OF, as validate_sig_integrity does.
        signed_attributes = signer_info["signed_attrs"].untag().dump()
        if signed_attributes != expected.signed_attributes(digest):
            return False
        # Raises InvalidSignature when the value does not verify.
        DefaultSignatureValidator().validate_signature(
            signer_info["signature"].native, signed_attributes, expected.certificate.public_key,
            signer_info["signature_algorithm"], context=SignatureValidationContext(contextual_md_algorithm="sha256"),
        )
    except Exception:  # whatever does not parse or verify here is left to the full read-back
        return False
    return True


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
