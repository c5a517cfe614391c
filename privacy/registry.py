"""Every recognizer Sportel runs, registered in one place."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer, RecognizerRegistry

from privacy.recognizers.address import AddressRecognizer
from privacy.recognizers.base import LANGUAGE
from privacy.recognizers.date_of_birth import DateOfBirthRecognizer
from privacy.recognizers.email import EmailRecognizer
from privacy.recognizers.iban import IbanRecognizer
from privacy.recognizers.nipt import AlNiptRecognizer
from privacy.recognizers.person import PersonRecognizer
from privacy.recognizers.personal_number import AlPersonalNumberRecognizer
from privacy.recognizers.phone import PhoneRecognizer
from privacy.recognizers.vehicle_plate import VehiclePlateRecognizer


def sportel_recognizers() -> list[EntityRecognizer]:
    """One recognizer per entity of ``pipeline.models.PII_ENTITY_TYPES``."""
    return [
        PersonRecognizer(),
        AlPersonalNumberRecognizer(),
        AlNiptRecognizer(),
        IbanRecognizer(),
        PhoneRecognizer(),
        EmailRecognizer(),
        DateOfBirthRecognizer(),
        AddressRecognizer(),
        VehiclePlateRecognizer(),
    ]


def build_registry() -> RecognizerRegistry:
    """A registry holding only Sportel's recognizers: presidio's predefined (English, US-centred) ones
    would add noise on Albanian forms and some need a trained NER model."""
    return RecognizerRegistry(recognizers=sportel_recognizers(), supported_languages=[LANGUAGE])
