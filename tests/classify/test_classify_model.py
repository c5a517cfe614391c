"""The learned text model: training, a safe file format whose sha256 is the version, and pooling with rules."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pipeline.catalog import Catalog, load_catalog
from pipeline.errors import ConfigurationError, InputError
from stages.classify import TextModel, classify, load_model, save_model, train_model
from tests.classify.doc_texts import ALBANIAN, OTHER_TYPES, ocr_noise


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def model() -> TextModel:
    texts, labels = [], []
    for doc_type, text in ALBANIAN.items():
        for seed in range(100, 108):
            texts.append(ocr_noise(text, rate=0.1, seed=seed))
            labels.append(doc_type)
    return train_model(texts, labels)


def test_saved_file_hashes_to_the_model_version(model: TextModel, tmp_path: Path) -> None:
    path = tmp_path / "model.zip"
    version = save_model(model, path)
    assert version == model.version == hashlib.sha256(path.read_bytes()).hexdigest()
    assert save_model(model, tmp_path / "again.zip") == version


def test_a_loaded_model_predicts_what_the_trained_one_did(model: TextModel, tmp_path: Path) -> None:
    path = tmp_path / "model.zip"
    save_model(model, path)
    loaded = load_model(path)
    assert loaded.classes == model.classes
    assert loaded.version == model.version
    for text in ALBANIAN.values():
        np.testing.assert_allclose(loaded.predict_proba(text), model.predict_proba(text), rtol=1e-5)


@pytest.mark.parametrize("doc_type", sorted(ALBANIAN))
def test_hybrid_classification_of_unseen_noisy_texts(model: TextModel, catalog: Catalog, doc_type: str) -> None:
    result = classify(ocr_noise(ALBANIAN[doc_type], rate=0.15, seed=7), catalog, model=model)
    assert result.document_type == doc_type
    assert result.method == "hybrid"
    assert result.model_version == model.version


def test_types_the_model_never_saw_are_still_recognised(model: TextModel, catalog: Catalog) -> None:
    assert "marriage_certificate" not in model.classes
    result = classify(OTHER_TYPES["marriage_certificate"], catalog, model=model)
    assert result.document_type == "marriage_certificate"


def test_the_model_speaks_alone_where_the_rules_find_nothing(catalog: Catalog) -> None:
    texts = ["zzq alpha form 1", "zzq alpha form 2", "zzq alpha form 3",
             "vvk omega leaf 1", "vvk omega leaf 2", "vvk omega leaf 3"]
    labels = ["photo"] * 3 + ["fire_extinguisher"] * 3
    small = train_model(texts, labels)
    result = classify("zzq alpha form 9", catalog, model=small)
    assert result.method == "model"
    assert result.document_type == "photo"
    assert result.uncertain  # no rule recognised anything: an officer confirms


def test_a_text_unlike_any_document_is_never_certain(model: TextModel, catalog: Catalog) -> None:
    """An English brochure (OCRmyPDF's public test scan, as read) matches no type's title, phrase or label;
    the model alone may still give one type most of its probability. It goes to review."""
    brochure = ("The LinnSequencer 32 Track MIDI Sequence Recorder The LinnSequencer is a state-of-the-art "
                "composition and performance tool for the professional musician. It is extremely powerful, "
                "yet amazingly simple to learn and use. Operation is similar to multi-track tape recorder "
                "with PLAY, STOP, RECORD, FAST FORWARD, REWIND, and LOCATE controls.")
    result = classify(brochure, catalog, model=model)
    assert result.uncertain
    for text in (ocr_noise(ALBANIAN[t], rate=0.1, seed=7) for t in ("payment_slip", "family_certificate")):
        assert not classify(text, catalog, model=model).uncertain


def test_training_needs_two_types_and_matching_labels() -> None:
    with pytest.raises(InputError):
        train_model(["a text", "another"], ["photo", "photo"])
    with pytest.raises(InputError):
        train_model(["a text"], ["photo", "fire_extinguisher"])


def test_a_model_naming_types_outside_the_catalog_is_refused(catalog: Catalog) -> None:
    foreign = train_model(["one text here", "one more text", "two text here", "two more text"],
                          ["not_a_type", "not_a_type", "photo", "photo"])
    with pytest.raises(ConfigurationError):
        classify("one text here", catalog, model=foreign)


def test_model_files_with_pickled_objects_or_garbage_are_refused(model: TextModel, tmp_path: Path) -> None:
    good = tmp_path / "model.zip"
    save_model(model, good)
    pickled = tmp_path / "pickled.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(pickled, "w") as target:
        for name in source.namelist():
            payload = source.read(name)
            if name == "classes.npy":
                buffer = io.BytesIO()
                np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
                payload = buffer.getvalue()
            target.writestr(name, payload)
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not a model")
    for path in (pickled, garbage, tmp_path / "missing.zip"):
        with pytest.raises(ConfigurationError):
            load_model(path)


def _log_loss(model: TextModel, texts: list[str], labels: list[str]) -> float:
    return float(-np.mean([np.log(model.predict_proba(t)[model.classes.index(y)] + 1e-12)
                           for t, y in zip(texts, labels, strict=True)]))


def test_temperature_scaling_makes_held_out_probabilities_more_honest(model: TextModel) -> None:
    held_out = [(ocr_noise(text, rate=0.2, seed=seed), doc_type)
                for doc_type, text in ALBANIAN.items() for seed in (300, 301)]
    texts, labels = [t for t, _ in held_out], [y for _, y in held_out]
    raw = dataclasses.replace(model, coef=model.coef * model.temperature,
                              intercept=model.intercept * model.temperature, temperature=1.0)
    assert model.temperature != 1.0
    assert _log_loss(model, texts, labels) < _log_loss(raw, texts, labels)


def test_too_few_examples_to_hold_out_leave_the_temperature_alone() -> None:
    small = train_model(["zzq alpha form", "vvk omega leaf", "vvk omega leaves"], ["photo", "tachograph", "tachograph"])
    assert small.temperature == 1.0
