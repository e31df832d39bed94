from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from rapport.text import embed
from rapport.text.evaluate import main

ROWS = [
    *[(f"parcel late {i}", "delivery") for i in range(6)],
    *[(f"courier lost it {i}", "delivery") for i in range(6)],
    *[(f"invoice wrong {i}", "billing") for i in range(6)],
    *[(f"charged twice {i}", "billing") for i in range(6)],
]


def write(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_cross_validates_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write(tmp_path / "data.csv", ROWS, ("comment", "theme"))
    assert main(["--data", str(data), "--text", "comment", "--label", "theme"]) == 0
    out = capsys.readouterr().out
    assert "5-fold cross-validation on 24 rows" in out
    assert "accuracy: 1.0000" in out
    assert "macro-F1: 1.0000" in out
    assert "training time:" in out
    assert "5 fit(s)" in out
    assert "billing" in out
    assert "delivery" in out


def test_trains_on_one_file_and_tests_on_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = write(tmp_path / "train.csv", ROWS, ("comment", "theme"))
    test = write(
        tmp_path / "test.csv",
        [("late parcel", "delivery"), ("wrong invoice", "billing")],
        ("comment", "theme"),
    )
    args = ["--data", str(test), "--train", str(train), "--text", "comment", "--label", "theme"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "trained on 24 rows" in out
    assert "tested on 2" in out
    assert "accuracy: 1.0000" in out


def test_multi_label_with_a_separator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [(text, label) for text, label in ROWS] + [
        (f"late parcel and wrong invoice {i}", "delivery;billing") for i in range(5)
    ]
    data = write(tmp_path / "data.csv", rows, ("comment", "themes"))
    args = ["--data", str(data), "--text", "comment", "--label", "themes", "--separator", ";"]
    assert main([*args, "--folds", "3"]) == 0
    assert "macro-F1:" in capsys.readouterr().out


def test_sentiment_from_a_headerless_tab_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        f"{i}\t{r}\t{t} ''quoted''"
        for i, (r, t) in enumerate(
            [
                (3.0, "great and lovely"),
                (-3.0, "awful and bad"),
                (2.5, "good stuff"),
                (-2.0, "terrible service"),
                (0.1, "it is a film"),
            ]
            * 4
        )
    ]
    data = tmp_path / "gold.txt"
    data.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    args = ["--data", str(data), "--no-header", "--text", "3", "--rating", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "20 rated texts" in out
    assert "VADER compound vs rating: Pearson r = 0.9" in out
    assert "trained model (5-fold cross-validation): Pearson r" in out


def test_errors_are_reported_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "data.csv", ROWS, ("comment", "theme"))
    assert main(["--data", str(data), "--text", "body", "--label", "theme"]) == 2
    assert "has no column 'body'; columns: comment, theme" in capsys.readouterr().err
    assert main(["--data", str(tmp_path / "missing.csv"), "--text", "a", "--label", "b"]) == 2
    with pytest.raises(SystemExit):
        main(["--data", str(data), "--text", "comment"])


def test_group_sep_keeps_related_rows_in_one_fold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = ["great and lovely", "awful and bad", "good stuff", "terrible service", "a film"]
    lines = [
        f"{review}_{k}\t{(3.0, -3.0, 2.5, -2.0, 0.1)[k]}\t{texts[k]} {review}"
        for review in range(6)
        for k in range(5)
    ]
    data = tmp_path / "gold.txt"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["--data", str(data), "--no-header", "--text", "3", "--rating", "2", "--folds", "3"]
    assert main([*args, "--group", "1", "--group-sep", "_"]) == 0
    assert "3-fold cross-validation grouped by 1 up to '_'" in capsys.readouterr().out
    assert main([*args, "--group-sep", "_"]) == 2
    assert "--group-sep needs --group" in capsys.readouterr().err


def test_a_leading_double_dash_is_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "data.csv", ROWS, ("comment", "theme"))
    assert main(["--", "--data", str(data), "--text", "comment", "--label", "theme"]) == 0
    assert "accuracy: 1.0000" in capsys.readouterr().out


def figure(out: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)}: ([0-9.]+)", out, re.MULTILINE)
    assert match, out
    return float(match.group(1))


@pytest.mark.reference
@pytest.mark.parametrize(
    ("model", "floor"),
    [
        # TF-IDF + calibrated linear SVM: 0.915 measured; the 0.93 goal needs embeddings.
        pytest.param("tfidf", 0.91, id="tfidf"),
        # With MiniLM sentence embeddings: 0.942 measured, about a minute on 2 cores.
        pytest.param(
            "embed",
            0.93,
            id="embed",
            marks=pytest.mark.skipif(
                not embed.available(), reason="optional embedding packages not installed"
            ),
        ),
    ],
)
def test_banking77_train_test_end_to_end(
    model: str, floor: float, reference_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Train on Banking77's 10,003 training rows, test on its 3,080 test rows, via the CLI."""
    folder = reference_dir / "banking77"
    if not (folder / "train.csv").exists():
        pytest.skip(f"{folder} is not present")
    args = ["--train", str(folder / "train.csv"), "--data", str(folder / "test.csv")]
    assert main([*args, "--text", "text", "--label", "category", "--model", model]) == 0
    out = capsys.readouterr().out
    assert "trained on 10,003 rows" in out
    assert "tested on 3,080" in out
    assert figure(out, "accuracy") >= floor
    assert figure(out, "macro-F1") >= floor
    assert figure(out, "training time") < 600  # the goal: within 10 minutes on 2 cores
