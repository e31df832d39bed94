"""Pieces shared by the text modules: input checks, TF-IDF features, model bytes."""

from __future__ import annotations

import hashlib
import json
import pickle
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

MAGIC = b"RAPPORT-TEXT-MODEL\n"
FORMAT_VERSION = 1


def check_texts(texts: Sequence[str], name: str = "texts") -> list[str]:
    """The batch as a list, or a ValueError naming the first item that is not a string."""
    if isinstance(texts, str):
        raise ValueError(f"{name} must be a sequence of strings, not a single string")
    items = list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise ValueError(f"{name}[{i}] must be a string, got {type(text).__name__}")
    return items


def margin_uncertainty(proba: np.ndarray) -> np.ndarray:
    """1 - (p(likeliest class) - p(second)) per row: 1 when a label could go either way."""
    top = -np.sort(-proba, axis=1)
    second = top[:, 1] if top.shape[1] > 1 else np.zeros(len(top))
    return 1 - top[:, 0] + second


def tfidf_union() -> FeatureUnion:
    """Word 1-2-grams plus character 2-5-grams within words, both with sublinear tf.

    Characters catch misspellings and word forms that customer comments are full of; on
    Banking77 this pair beat word-only, char-only and wider n-gram ranges. float32 halves the
    memory of the sparse matrices at no cost in accuracy.
    """
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=np.float32
                ),
            ),
        ]
    )


def dump_model(kind: str, payload: dict[str, Any]) -> bytes:
    """Pack a fitted model as bytes: magic line, JSON header, compressed pickle."""
    body = zlib.compress(pickle.dumps(payload, protocol=5), level=6)
    header = json.dumps(
        {
            "kind": kind,
            "format": FORMAT_VERSION,
            "sklearn": sklearn.__version__,
            "sha256": hashlib.sha256(body).hexdigest(),
        }
    ).encode()
    return MAGIC + len(header).to_bytes(4, "big") + header + body


def read_header(data: bytes) -> dict[str, Any]:
    """The JSON header of model bytes, checked for magic and format version."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValueError(f"model data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise ValueError("not a Rapport text model (bad magic)")
    size = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "big")
    try:
        header: dict[str, Any] = json.loads(data[len(MAGIC) + 4 : len(MAGIC) + 4 + size])
    except ValueError as exc:
        raise ValueError("Rapport text model has a damaged header") from exc
    if header.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"model format {header.get('format')!r} is not supported "
            f"(this version reads {FORMAT_VERSION}); train the model again"
        )
    return header


def load_model(data: bytes, kind: str) -> dict[str, Any]:
    """Unpack bytes made by dump_model for the same kind of model.

    Only load bytes that this application produced and stored: unpickling runs code.
    """
    header = read_header(data)
    if header.get("kind") != kind:
        raise ValueError(f"expected a {kind} model, got a {header.get('kind')!r} model")
    size = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "big")
    body = bytes(data[len(MAGIC) + 4 + size :])
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise ValueError("Rapport text model is damaged (checksum mismatch)")
    payload: dict[str, Any] = pickle.loads(zlib.decompress(body))  # noqa: S301 - own bytes, checksummed
    return payload
