"""Building a new text model from generated documents and officers' corrections (``sportel retrain``)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.samples.truth import CorpusTruth
from pipeline.models import PageOcr
from pipeline.plan import STEP_VERSIONS
from pipeline.settings import Settings
from storage import repository as repo
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from workers.models import CURRENT_MODEL


@dataclass(frozen=True)
class RetrainResult:
    version: str
    path: Path
    generated: int
    corrections: int


def _generated_examples(samples_dir: Path) -> tuple[list[str], list[str]]:
    corpus = CorpusTruth.model_validate_json((samples_dir / "corpus.json").read_text(encoding="utf-8"))
    texts = ["\n".join(page.text for page in doc.pages) for doc in corpus.documents]
    return texts, [doc.document_type for doc in corpus.documents]


def _corrected_examples(settings: Settings) -> tuple[list[str], list[str]]:
    """The OCR text of every document an officer corrected, with the latest correction as its label."""
    upgrade(settings.resolved_database_url)
    factory = make_session_factory(make_engine(settings.resolved_database_url))
    texts: list[str] = []
    labels: list[str] = []
    with repo.session_scope(factory) as session:
        latest = {c.document_id: c.document_type for c in repo.corrections(session)}
        for document_id, label in latest.items():
            pages = []
            for page in repo.pages_of_document(session, document_id):
                ocr = repo.load_step_result(session, page.id, "ocr", STEP_VERSIONS["ocr"], PageOcr)
                if ocr is not None:
                    pages.append(ocr.text)
            if pages:
                texts.append("\n".join(pages))
                labels.append(label)
    return texts, labels


def retrain_model(settings: Settings, *, samples_dir: Path | None, count: int, seed: int) -> RetrainResult:
    from benchmarks.samples.generate import generate_corpus
    from stages.classify import save_model, train_model

    with tempfile.TemporaryDirectory(prefix="sportel-retrain-") as tmp:
        if samples_dir is None:
            samples_dir = Path(tmp)
            generate_corpus(samples_dir, count=count, seed=seed, straight_twins=False)
        texts, labels = _generated_examples(samples_dir)
    corrected_texts, corrected_labels = _corrected_examples(settings)
    model = train_model(texts + corrected_texts, labels + corrected_labels)
    target = settings.home / "models"
    target.mkdir(parents=True, exist_ok=True)
    staging = target / "incoming.model"
    version = save_model(model, staging)
    versioned = target / f"{version[:16]}.model"
    staging.replace(versioned)
    current = target / CURRENT_MODEL
    current.unlink(missing_ok=True)
    current.symlink_to(versioned.name)
    return RetrainResult(version=version, path=versioned, generated=len(texts), corrections=len(corrected_texts))
