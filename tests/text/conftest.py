"""Reference data for the text tests: the VADER gold sets and Banking77, when present."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"


@dataclass(frozen=True, slots=True)
class Rated:
    ids: list[str]
    ratings: list[float]
    texts: list[str]


def _reference(*parts: str) -> Path:
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return path


def _read_gold(name: str) -> Rated:
    ids, ratings, texts = [], [], []
    with _reference("vader_gold", name).open(encoding="utf-8", newline="") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if line:
                id_, rating, text = line.split("\t", 2)
                ids.append(id_)
                ratings.append(float(rating))
                texts.append(text)
    return Rated(ids, ratings, texts)


@pytest.fixture(scope="session")
def amazon_gold() -> Rated:
    return _read_gold("amazonReviewSnippets_GroundTruth.txt")


@pytest.fixture(scope="session")
def movie_gold() -> Rated:
    return _read_gold("movieReviewSnippets_GroundTruth.txt")


@pytest.fixture(scope="session")
def banking77() -> dict[str, tuple[list[str], list[str]]]:
    """Banking77 train and test as (texts, categories)."""
    out = {}
    for part in ("train", "test"):
        with _reference("banking77", f"{part}.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        out[part] = ([r["text"] for r in rows], [r["category"] for r in rows])
    return out
