"""Document classification: rules from the catalog first, then a learned text model, combined.

Rules look for what documents really say: the type's names and gloss (titles, weighted up when they stand
in the first lines) and its key phrases (issuers, headings, field labels), matched on OCR-folded text with
``rapidfuzz`` so that misread letters and lost diacritics still count. Every one of the catalog's types
competes, so a wrong or extra document is named for what it is. A learned model (TF-IDF character n-grams
and logistic regression, :func:`train_model`) is pooled with the rules for the types it was trained on;
the rules keep the word on types the model never saw, and on texts where they find nothing the model
speaks alone.

Model files are our own: a zip of ``.npy`` arrays and a JSON header, read with ``allow_pickle=False``, so
loading one runs no code. The model's version is the sha256 of that file.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from pipeline.catalog import Catalog, DocumentType
from pipeline.errors import ConfigurationError, InputError
from pipeline.models import Classification
from stages.text_features import CharNgramTfidf
from stages.text_normalize import fold, head, ocr_skeleton

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

RULES_VERSION = "rules-1"
UNCLASSIFIED = "unclassified"
DEFAULT_THRESHOLD = 0.6

MODEL_WEIGHT = 0.6
"""The model's share where it and the rules both speak for a type."""
RULE_TEMPERATURE = 0.45
"""Softmax temperature turning rule scores into probabilities."""
NO_EVIDENCE_SCORE = 1.0
"""Score of "none of the types": a type must beat it for the rules to name it."""

_FUZZY_CUTOFF = 80.0
_EXACT_BELOW = 8
"""Patterns shorter than this (``NIPT``, ``KEMP``) must match a whole word exactly: fuzzy matching of a
four-letter pattern finds it everywhere."""
_TITLE_HEAD, _PHRASE_HEAD = 3.0, 1.5
_TOP_CONTRIBUTIONS = 6
TITLE_MATCH_MIN = 0.45
_LINE_CUTOFF = 85.0

MODEL_FORMAT = "sportel-text-model/1"
_NGRAMS = (2, 5)
_MAX_FEATURES = 60_000
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_CALIBRATION_FOLDS = 3
_TEMPERATURE_BOUNDS = (0.05, 20.0)


# ------------------------------------------------------------------------------------------- the model


def _model_text(text: str) -> str:
    return ocr_skeleton(text)


def _vectorizer(vocabulary: Mapping[str, int] | None = None) -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=_NGRAMS, preprocessor=_model_text, lowercase=False,
        sublinear_tf=True, min_df=1 if vocabulary is not None else 2, max_features=_MAX_FEATURES,
        vocabulary=vocabulary, dtype=np.float32,
    )


@dataclass(frozen=True, eq=False)
class TextModel:
    """A trained text model: TF-IDF character n-grams and a multinomial logistic regression."""

    classes: tuple[str, ...]
    vectorizer: CharNgramTfidf
    """The trained vectorizer's vocabulary and idf, applied without scikit-learn."""
    coef: NDArray[np.float32]
    intercept: NDArray[np.float32]
    """Already divided by :attr:`temperature`."""
    temperature: float
    """Calibration: the regression's logits were divided by this, fitted on held-out folds."""
    version: str
    """sha256 of the model file (of the bytes :func:`save_model` writes)."""

    def predict_proba(self, text: str) -> NDArray[np.float64]:
        """Probabilities over :attr:`classes` for one text."""
        features = self.vectorizer.transform([text])
        logits = np.asarray(features @ self.coef.T, dtype=np.float64)[0] + self.intercept
        if len(self.classes) == 2:  # scikit-learn keeps one column for two classes
            positive = 1.0 / (1.0 + math.exp(-float(logits[0])))
            return np.array([1.0 - positive, positive])
        exp = np.exp(logits - logits.max())
        return np.asarray(exp / exp.sum(), dtype=np.float64)


def _npy(array: NDArray[Any]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _serialize(classes: Sequence[str], vocabulary: Mapping[str, int], idf: NDArray[Any], coef: NDArray[np.float32],
               intercept: NDArray[np.float32], temperature: float) -> bytes:
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    members = {
        "meta.json": json.dumps({"format": MODEL_FORMAT, "ngram_range": list(_NGRAMS),
                                 "preprocess": "ocr_skeleton", "temperature": temperature}).encode(),
        "classes.npy": _npy(np.array(classes, dtype=str)),
        "vocabulary.npy": _npy(np.array(terms, dtype=str)),
        "idf.npy": _npy(np.asarray(idf, dtype=np.float32)),
        "coef.npy": _npy(coef),
        "intercept.npy": _npy(intercept),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            # A fixed timestamp keeps the bytes, and so the version, the same for the same model.
            archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_DATE), payload, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _deserialize(payload: bytes) -> TextModel:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        meta = json.loads(archive.read("meta.json"))
        if meta.get("format") != MODEL_FORMAT:
            raise ConfigurationError("text model file has an unknown format")
        arrays = {name: np.load(io.BytesIO(archive.read(f"{name}.npy")), allow_pickle=False)
                  for name in ("classes", "vocabulary", "idf", "coef", "intercept")}
    vectorizer = CharNgramTfidf({str(term): i for i, term in enumerate(arrays["vocabulary"])}, arrays["idf"],
                                ngram_range=_NGRAMS, preprocessor=_model_text)
    return TextModel(classes=tuple(str(c) for c in arrays["classes"]), vectorizer=vectorizer,
                     coef=arrays["coef"], intercept=arrays["intercept"], temperature=float(meta["temperature"]),
                     version=hashlib.sha256(payload).hexdigest())


def _fit_temperature(features: Any, labels: Sequence[str], c: float) -> float:
    """The temperature that makes held-out probabilities honest (lowest log-loss over cross-validation)."""
    from scipy.optimize import minimize_scalar
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    counts = Counter(labels)
    folds = min(_CALIBRATION_FOLDS, min(counts.values()))
    if folds < 2:
        return 1.0  # too few examples of some type to hold any out
    decision = cross_val_predict(LogisticRegression(C=c, max_iter=2000), features, list(labels), cv=folds,
                                 method="decision_function")
    logits = np.asarray(decision, dtype=np.float64)
    if logits.ndim == 1:  # two classes: one column, the second class's logit against a zero
        logits = np.stack([np.zeros_like(logits), logits], axis=1)
    classes = sorted(counts)
    truth = np.array([classes.index(label) for label in labels])

    def log_loss(temperature: float) -> float:
        scaled = logits / temperature
        scaled = scaled - scaled.max(axis=1, keepdims=True)
        log_probs = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        return float(-log_probs[np.arange(len(truth)), truth].mean())

    result = minimize_scalar(log_loss, bounds=_TEMPERATURE_BOUNDS, method="bounded")
    return float(result.x)


def train_model(texts: Sequence[str], labels: Sequence[str], *, c: float = 10.0) -> TextModel:
    """Fit the text model on labelled document texts (labels are catalog type ids).

    The logistic regression's probabilities are calibrated by temperature scaling fitted on held-out
    folds, so that a confidence of 0.8 is right about 80% of the time on data like the training data.
    """
    from sklearn.linear_model import LogisticRegression

    if len(texts) != len(labels):
        raise InputError(f"{len(texts)} training texts but {len(labels)} labels")
    if len(set(labels)) < 2:
        raise InputError("training needs documents of at least two types")
    vectorizer = _vectorizer()
    features = vectorizer.fit_transform(texts)
    regression = LogisticRegression(C=c, max_iter=2000)
    regression.fit(features, list(labels))
    temperature = _fit_temperature(features, labels, c)
    coef = np.asarray(regression.coef_ / temperature, dtype=np.float32)
    intercept = np.asarray(regression.intercept_ / temperature, dtype=np.float32)
    classes = [str(x) for x in regression.classes_]
    return _deserialize(_serialize(classes, vectorizer.vocabulary_, vectorizer.idf_, coef, intercept, temperature))


def save_model(model: TextModel, path: Path) -> str:
    """Write ``model`` to ``path``; returns its version (the file's sha256)."""
    payload = _serialize(model.classes, model.vectorizer.vocabulary, model.vectorizer.idf, model.coef,
                         model.intercept, model.temperature)
    path.write_bytes(payload)
    return hashlib.sha256(payload).hexdigest()


def load_model(path: Path) -> TextModel:
    """Read a model written by :func:`save_model`. Never unpickles: arrays only."""
    try:
        payload = path.read_bytes()
        return _deserialize(payload)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ConfigurationError(f"text model file {path.name} is unreadable: {type(exc).__name__}") from exc


# ------------------------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class _Pattern:
    type_index: int
    skeleton: str
    weight: float
    title: bool


@dataclass(frozen=True)
class _RuleSet:
    type_ids: tuple[str, ...]
    fuzzy: tuple[_Pattern, ...]
    exact: tuple[tuple[_Pattern, re.Pattern[str]], ...]


_PAREN = re.compile(r"\([^)]*\)?")


_NOT_A_TITLE_START = frozenset({"per", "nga", "kur", "nese", "ne", "me", "qe", "si", "dhe", "ose", "apo",
                                 "for", "from", "when", "of", "and", "or"})
"""A fragment of a municipal page's wording that starts like this ("Për Njësitë Administrative") qualifies
the document; it is not what the document calls itself."""


def _title_forms(doc_type: DocumentType) -> list[str]:
    """Short title-like forms of a type's names, gloss and as-written variants."""
    forms: list[str] = []
    for raw in [*doc_type.names_sq, doc_type.gloss_en, *doc_type.variants]:
        for part in re.split(r"\s/\s|[;,:]", _PAREN.sub(" ", raw)):
            words = fold(part).split()
            if 1 <= len(words) <= 5 and words[0] not in _NOT_A_TITLE_START and "[...]" not in part:
                forms.append(part.strip(" .-–"))
    return forms


def _build_rules(catalog: Catalog) -> _RuleSet:
    owners: dict[str, set[int]] = defaultdict(set)
    entries: list[tuple[int, str, bool]] = []
    for index, doc_type in enumerate(catalog.document_types):
        seen: set[str] = set()
        for title, phrases in ((True, _title_forms(doc_type)), (False, doc_type.key_phrases)):
            for phrase in phrases:
                skeleton = ocr_skeleton(phrase)
                if len(skeleton) >= 2 and skeleton not in seen:
                    seen.add(skeleton)
                    owners[skeleton].add(index)
                    entries.append((index, skeleton, title))
    fuzzy: list[_Pattern] = []
    exact: list[tuple[_Pattern, re.Pattern[str]]] = []
    for index, skeleton, title in entries:
        # A phrase on the documents of several types says less about each of them.
        pattern = _Pattern(index, skeleton, 1.0 / len(owners[skeleton]), title)
        if len(skeleton) < _EXACT_BELOW:
            exact.append((pattern, re.compile(rf"\b{re.escape(skeleton)}\b")))
        else:
            fuzzy.append(pattern)
    return _RuleSet(tuple(d.id for d in catalog.document_types), tuple(fuzzy), tuple(exact))


_RULE_CACHE: dict[int, tuple[Catalog, _RuleSet]] = {}


def _rules(catalog: Catalog) -> _RuleSet:
    cached = _RULE_CACHE.get(id(catalog))
    if cached is None or cached[0] is not catalog:
        if len(_RULE_CACHE) > 8:
            _RULE_CACHE.clear()
        cached = (catalog, _build_rules(catalog))
        _RULE_CACHE[id(catalog)] = cached
    return cached[1]


def _match_quality(rules: _RuleSet, text: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per pattern (fuzzy ones, then exact ones) a match quality in [0, 1] within ``text``."""
    if rules.fuzzy and text:
        ratios = process.cdist([p.skeleton for p in rules.fuzzy], [text], scorer=fuzz.partial_ratio,
                               score_cutoff=_FUZZY_CUTOFF, dtype=np.float64)[:, 0]
        # partial_ratio aligns the shorter string inside the longer: a pattern longer than the whole text
        # would "match" any scrap of it.
        fits = np.array([len(p.skeleton) <= len(text) for p in rules.fuzzy])
        fuzzy_q = np.where((ratios > 0) & fits, (ratios - _FUZZY_CUTOFF) / (100.0 - _FUZZY_CUTOFF), 0.0)
    else:
        fuzzy_q = np.zeros(len(rules.fuzzy))
    exact_q = np.array([1.0 if regex.search(text) else 0.0 for _, regex in rules.exact])
    return fuzzy_q, exact_q


def _scores(rules: _RuleSet, text: str) -> NDArray[np.float64]:
    head_q = np.concatenate(_match_quality(rules, ocr_skeleton(head(text))))
    body_q = np.concatenate(_match_quality(rules, ocr_skeleton(text)))
    patterns = [*rules.fuzzy, *(p for p, _ in rules.exact)]
    contributions: list[list[float]] = [[] for _ in rules.type_ids]
    for i, pattern in enumerate(patterns):
        head_weight = _TITLE_HEAD if pattern.title else _PHRASE_HEAD
        quality = max(head_weight * head_q[i], body_q[i])
        if quality > 0:
            contributions[pattern.type_index].append(pattern.weight * quality)
    return np.array([sum(sorted(c, reverse=True)[:_TOP_CONTRIBUTIONS]) for c in contributions])


def rule_scores(text: str, catalog: Catalog) -> dict[str, float]:
    """The rule score of every catalog type for ``text`` (0 = no evidence; higher is stronger)."""
    rules = _rules(catalog)
    return dict(zip(rules.type_ids, (float(s) for s in _scores(rules, text)), strict=True))


def title_match(text: str, catalog: Catalog) -> tuple[str, float] | None:
    """The type whose name or heading makes up a whole line among the first lines of ``text``, if any.

    A first page announces itself (a title, an issuer's letterhead); a later page starts mid-text. The
    score is the phrase's specificity times the line's similarity; ``None`` below :data:`TITLE_MATCH_MIN`.
    """
    rules = _rules(catalog)
    lines = [ocr_skeleton(part) for line in head(text).splitlines() for part in re.split(r"[/|]", line)]
    lines = [line for line in lines if line]
    patterns = [*rules.fuzzy, *(p for p, _ in rules.exact)]
    if not lines or not patterns:
        return None
    ratios = process.cdist([p.skeleton for p in patterns], lines, scorer=fuzz.ratio,
                           score_cutoff=_LINE_CUTOFF, dtype=np.float64).max(axis=1)
    best: dict[int, float] = defaultdict(float)
    for pattern, ratio in zip(patterns, ratios, strict=True):
        best[pattern.type_index] = max(best[pattern.type_index], pattern.weight * ratio / 100.0)
    if not best:
        return None
    type_index, score = max(best.items(), key=lambda item: item[1])
    return (rules.type_ids[type_index], float(score)) if score >= TITLE_MATCH_MIN else None


def _rule_distribution(scores: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    """Probabilities of each type and of "no type" from rule scores.

    A softmax less its floor: a type the rules found no trace of gets no probability at all, however many
    such types the catalog holds.
    """
    weights = np.expm1(np.append(scores, NO_EVIDENCE_SCORE) / RULE_TEMPERATURE)
    probs = weights / weights.sum()
    return probs[:-1], float(probs[-1])


def _pool(type_ids: Sequence[str], rule_p: NDArray[np.float64], none_p: float,
          model: TextModel, text: str) -> NDArray[np.float64]:
    """Rules and model pooled; types the model never saw keep the rules' probability."""
    model_p = model.predict_proba(text)
    index = {t: i for i, t in enumerate(type_ids)}
    unknown = [c for c in model.classes if c not in index]
    if unknown:
        raise ConfigurationError(
            f"text model {model.version[:12]} knows {len(unknown)} types the catalog lacks"
        )
    known = np.array([index[c] for c in model.classes])
    outside = np.ones(len(type_ids), dtype=bool)
    outside[known] = False
    outside_mass = float(rule_p[outside].sum())
    # Where the rules found nothing, their share goes to the model's opinion.
    rules_in = rule_p[known] + none_p * model_p
    total = float(rules_in.sum())
    rules_in = rules_in / total if total > 0 else model_p
    pooled = rule_p.copy()
    pooled[known] = (1.0 - outside_mass) * (MODEL_WEIGHT * model_p + (1.0 - MODEL_WEIGHT) * rules_in)
    return pooled


def classify(
    text: str,
    catalog: Catalog,
    *,
    model: TextModel | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> Classification:
    """The document type of ``text`` among all catalog types, with a confidence in [0, 1].

    ``uncertain`` is set when the confidence is below the type's threshold (``thresholds``, default
    :data:`DEFAULT_THRESHOLD`); ``alternatives`` are the next three types with their probabilities.
    """
    rules = _rules(catalog)
    scores = _scores(rules, text)
    rule_p, none_p = _rule_distribution(scores)
    if model is None:
        probs, method, version = rule_p, "rules", RULES_VERSION
    else:
        probs, version = _pool(rules.type_ids, rule_p, none_p, model, text), model.version
        method = "model" if none_p > 0.5 else "hybrid"
    order = [int(i) for i in np.argsort(-probs, kind="stable")]
    best = order[0]
    if model is None and none_p >= probs[best]:
        alternatives = [(rules.type_ids[i], round(float(probs[i]), 4)) for i in order[:3] if probs[i] > 0]
        return Classification(document_type=UNCLASSIFIED, confidence=round(none_p, 4), method=method,
                               model_version=version, uncertain=True, alternatives=alternatives)
    type_id = rules.type_ids[best]
    confidence = float(probs[best])
    threshold = (thresholds or {}).get(type_id, DEFAULT_THRESHOLD)
    alternatives = [(rules.type_ids[i], round(float(probs[i]), 4)) for i in order[1:4]]
    return Classification(
        document_type=type_id,
        confidence=round(confidence, 4),
        method=method,
        model_version=version,
        # No title, phrase or label of any type in the text: only the model speaks, and a softmax is as sure
        # of a text unlike anything it was trained on (a brochure, a letter from abroad) as of a real
        # document. Such a document goes to an officer, whatever the model's confidence.
        uncertain=confidence < threshold or not math.isfinite(confidence) or not scores.any(),
        alternatives=alternatives,
    )
