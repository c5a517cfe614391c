"""Title wordings per document type, as written on real documents and in the municipal lists
(``document_types.yaml``: names_sq and variants_as_written). The ``unseen`` layout family draws from its own
wordings, never used by the standard family, so that a classifier cannot lean on one string."""

from __future__ import annotations

from typing import Literal

TitlePool = dict[Literal["standard", "unseen"], dict[Literal["sqi", "eng"], tuple[str, ...]]]

TITLES: dict[str, TitlePool] = {
    "id_card_copy": {
        "standard": {"sqi": ("LETËRNJOFTIM",), "eng": ("IDENTITY CARD",)},
        "unseen": {"sqi": ("KARTË IDENTITETI",), "eng": ("IDENTITY CARD",)},
    },
    "family_certificate": {
        "standard": {"sqi": ("ÇERTIFIKATË FAMILJARE", "CERTIFIKATË FAMILJARE",
                             "ÇERTIFIKATË E GJENDJES FAMILJARE"), "eng": ("FAMILY CERTIFICATE",)},
        "unseen": {"sqi": ("CERTIFIKATË PËR PËRBËRJEN FAMILJARE", "Vërtetim për përbërjen familjare"),
                   "eng": ("HOUSEHOLD COMPOSITION CERTIFICATE",)},
    },
    "property_certificate": {
        "standard": {"sqi": ("CERTIFIKATË PËR VËRTETIMIN E PRONËSISË", "ÇERTIFIKATË PRONËSIE"),
                     "eng": ("PROPERTY CERTIFICATE",)},
        "unseen": {"sqi": ("VËRTETIM NGA HIPOTEKA", "KARTELË E PASURISË SË PALUAJTSHME"),
                   "eng": ("CERTIFICATE OF OWNERSHIP",)},
    },
    "qkb_extract": {
        "standard": {"sqi": ("EKSTRAKT I REGJISTRIT TREGTAR PËR TË DHËNAT E SUBJEKTIT",
                             "EKSTRAKT I THJESHTË I REGJISTRIT TREGTAR"),
                     "eng": ("EXTRACT FROM THE COMMERCIAL REGISTER",)},
        "unseen": {"sqi": ("EKSTRAKT HISTORIK", "EKSTRAKTI TREGTAR"),
                   "eng": ("BUSINESS REGISTRATION EXTRACT",)},
    },
    "application_form": {
        "standard": {"sqi": ("FORMULAR APLIKIMI", "KËRKESË PËR APLIKIM", "FORMULARI TIP I APLIKIMIT"),
                     "eng": ("APPLICATION FORM",)},
        "unseen": {"sqi": ("KËRKESË PËR TRAJTIM", "FORMULARI I KËRKESËS"), "eng": ("REQUEST FORM",)},
    },
    "payment_slip": {
        "standard": {"sqi": ("MANDAT PAGESE", "URDHËR PAGESE"), "eng": ("PAYMENT ORDER",)},
        "unseen": {"sqi": ("MANDAT ARKËTIMI", "FLETËPAGESË"), "eng": ("PAYMENT SLIP", "CASH DEPOSIT SLIP")},
    },
    "self_declaration": {
        "standard": {"sqi": ("VETËDEKLARIM", "DEKLARATË PËR GJENDJEN SOCIAL-EKONOMIKE"),
                     "eng": ("SELF-DECLARATION",)},
        "unseen": {"sqi": ("FORMULARI TIP I AUTODEKLARIMIT", "DEKLARATË"), "eng": ("SOLEMN DECLARATION",)},
    },
    "residence_certificate": {
        "standard": {"sqi": ("VËRTETIM BANIMI", "VËRTETIM"), "eng": ("CERTIFICATE OF RESIDENCE",)},
        "unseen": {"sqi": ("VËRTETIM QË JE BANOR I QYTETIT", "VËRTETIM SI BANOR I NJËSISË ADMINISTRATIVE"),
                   "eng": ("PROOF OF RESIDENCE",)},
    },
    "vehicle_registration": {
        "standard": {"sqi": ("LEJE QARKULLIMI",), "eng": ("REGISTRATION CERTIFICATE",)},
        "unseen": {"sqi": ("CERTIFIKATË REGJISTRIMI E MJETIT", "LIBREZA E AUTOMJETIT"),
                   "eng": ("VEHICLE REGISTRATION",)},
    },
    "local_tax_clearance": {
        "standard": {"sqi": ("VËRTETIM PËR SHLYERJEN E DETYRIMEVE VENDORE", "VËRTETIM TAKSASH"),
                     "eng": ("CERTIFICATE OF PAID LOCAL TAXES",)},
        "unseen": {"sqi": ("VËRTETIM I KRYERJES SË TAKSAVE VENDORE", "VËRTETIM"),
                   "eng": ("PROOF OF NO OUTSTANDING TAXES",)},
    },
    "lease_or_use_contract": {
        "standard": {"sqi": ("KONTRATË QIRAJE", "KONTRATË QIRAJE E NOTERIZUAR"), "eng": ("LEASE AGREEMENT",)},
        "unseen": {"sqi": ("KONTRATË QIRAMARRJEJE", "KONTRATË PËR SHFRYTËZIMIN E LOKALIT"),
                   "eng": ("TENANCY AGREEMENT", "RENTAL CONTRACT")},
    },
    "medical_documents": {
        "standard": {"sqi": ("RAPORT MJEKËSOR", "EPIKRIZË"), "eng": ("MEDICAL REPORT",)},
        "unseen": {"sqi": ("FLETË DREJTIMI PËR KEMP", "RAPORT MJEKO-LIGJOR"), "eng": ("DISCHARGE SUMMARY",)},
    },
    "social_assistance_certificate": {
        "standard": {"sqi": ("VËRTETIM PËR NDIHMËN EKONOMIKE", "VËRTETIM"), "eng": ("CERTIFICATE",)},
        "unseen": {"sqi": ("VËRTETIM NGA ZYRA E NDIHMËS EKONOMIKE",), "eng": ("CERTIFICATE",)},
    },
    "income_proof": {
        "standard": {"sqi": ("VËRTETIM PAGE", "VËRTETIM PËR TË ARDHURAT"), "eng": ("SALARY CERTIFICATE",)},
        "unseen": {"sqi": ("VËRTETIM I TË ARDHURAVE FAMILJARE", "LISTË E TË ARDHURAVE"),
                   "eng": ("PROOF OF INCOME",)},
    },
}
