"""The numpy TF-IDF used at inference gives scikit-learn's vectors, so a model trained with one reads
documents the same way with the other."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from stages.classify import _model_text
from stages.text_features import CharNgramTfidf, char_wb_ngrams
from tests.classify.doc_texts import ALBANIAN, ENGLISH, OTHER_TYPES

TRAINING = [*ALBANIAN.values(), *ENGLISH.values(), *OTHER_TYPES.values()]
UNSEEN = [
    "VËRTETIM PAGE  për   z. Arben   Hoxha, punonjës i Bashkisë Shkodër\n nr. 12/3",
    "Certifikatë familjare\tlëshuar nga Gjendja Civile, e sh k r u a r keq nga OCR: 0l1 I",
    "",
    "a b c",
]


def test_ngrams_match_scikit_learn_char_wb() -> None:
    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False).build_analyzer()
    for text in UNSEEN + TRAINING[:5]:
        assert list(char_wb_ngrams(text, (2, 5))) == analyzer(text)


def test_vectors_match_scikit_learn() -> None:
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), preprocessor=_model_text, lowercase=False,
                                sublinear_tf=True, min_df=1, dtype=np.float32)
    reference.fit(TRAINING)
    ours = CharNgramTfidf(reference.vocabulary_, reference.idf_, ngram_range=(2, 5), preprocessor=_model_text)
    texts = UNSEEN + TRAINING
    expected = reference.transform(texts).toarray()
    got = ours.transform(texts)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-5
    assert np.count_nonzero(got[0]) > 10  # the unseen text shares n-grams with the training texts
