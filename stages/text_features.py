"""TF-IDF character n-grams at inference time, in numpy alone.

The text model is trained with scikit-learn's ``TfidfVectorizer(analyzer="char_wb", sublinear_tf=True)``
(:func:`stages.classify.train_model`), but a worker only needs to turn one document's text into that
vector. Importing scikit-learn (and SciPy behind it) for that cost 82 MB of every worker's memory, a
fifth of its budget; this reproduces the same vector from the saved vocabulary and idf weights (a test
holds it equal to scikit-learn's within float32 precision).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

_RUNS_OF_SPACE = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, ngram_range: tuple[int, int]) -> Iterator[str]:
    """Character n-grams inside word boundaries, padded with one space each side: scikit-learn's
    ``char_wb`` analyzer, n-gram for n-gram (a word shorter than n gives itself once)."""
    low, high = ngram_range
    for word in _RUNS_OF_SPACE.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            offset = 0
            yield padded[offset : offset + n]
            while offset + n < length:
                offset += 1
                yield padded[offset : offset + n]
            if offset == 0:
                break


class CharNgramTfidf:
    """Sublinear TF-IDF of character n-grams, L2-normalised, as dense float32 rows."""

    def __init__(self, vocabulary: Mapping[str, int], idf: NDArray[np.float32], *, ngram_range: tuple[int, int],
                 preprocessor: Callable[[str], str]) -> None:
        self.vocabulary = dict(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float32)
        self.ngram_range = ngram_range
        self.preprocessor = preprocessor

    def transform(self, texts: Sequence[str]) -> NDArray[np.float32]:
        rows = np.zeros((len(texts), len(self.vocabulary)), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            counts = Counter(self.vocabulary[g] for g in char_wb_ngrams(self.preprocessor(text), self.ngram_range)
                             if g in self.vocabulary)
            if not counts:
                continue
            columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            weights = (np.log(tf) + np.float32(1.0)) * self.idf[columns]
            norm = float(np.sqrt(np.dot(weights, weights)))
            row[columns] = weights / norm if norm > 0 else weights
        return rows
