from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rapport.text.evaluate import main

ROWS = [
    *[(f"parcel late {i}", "delivery") for i in range(6)],
    *[(f"courier lost it {i}", "delivery") for i in range(6)],
    *[(f"invoice wrong {i}", "billing") for i in range(6)],
    *[(f"charged twice {i}", "billing") for i in range(6)],
]


def write(path: Path, rows: list[tuple[str, ...]], header: tuple[str, ...]) -> Path:
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
