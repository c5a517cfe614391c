"""Accuracy on the sample generator's documents (their true page texts, as a good OCR would return them, and
with OCR-like noise). The rules were written from real documents, not from the generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.catalog import Catalog, load_catalog
from pipeline.models import SheetInfo
from stages.classify import classify
from stages.split import boundary_f1, split_batch
from tests.classify.doc_texts import ocr_noise

generate = pytest.importorskip("benchmarks.samples.generate")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    generate.generate_corpus(out, count=28, seed=5, dpi=72, unseen_layout=True)
    return out


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _documents(corpus: Path) -> list[tuple[str, str]]:
    truth = json.loads((corpus / "corpus.json").read_text(encoding="utf-8"))
    return [(d["document_type"], "\n\f".join(p["text"] for p in d["pages"])) for d in truth["documents"]]


@pytest.mark.parametrize("noise", [0.0, 0.08])
def test_generated_documents_are_classified(corpus: Path, catalog: Catalog, noise: float) -> None:
    documents = _documents(corpus)
    results = [classify(ocr_noise(text, rate=noise, seed=i) if noise else text, catalog)
               for i, (_, text) in enumerate(documents)]
    right = [r.document_type == truth for r, (truth, _) in zip(results, documents, strict=True)]
    confident = [ok for ok, r in zip(right, results, strict=True) if not r.uncertain]
    assert sum(right) / len(right) >= 0.9
    assert sum(confident) / len(confident) >= 0.95


def test_a_generated_stack_without_separators_is_cut_at_its_documents(corpus: Path, catalog: Catalog) -> None:
    stack = json.loads((corpus / "stack.json").read_text(encoding="utf-8"))
    texts = [""] * stack["page_count"]
    sheets = [SheetInfo(kind="content")] * stack["page_count"]
    for doc in stack["documents"]:
        truth = json.loads((corpus / "truth" / f"{doc['doc_id']}.json").read_text(encoding="utf-8"))
        for offset, page in enumerate(truth["pages"]):
            texts[doc["first_page"] + offset] = page["text"]
            sheets[doc["first_page"] + offset] = SheetInfo(kind="blank" if page.get("blank") else "content")
    result = split_batch(sheets, texts, catalog=catalog)
    true_starts = [doc["first_page"] for doc in stack["documents"]]
    assert boundary_f1(true_starts, [d.start for d in result.documents]) >= 0.9
