"""The console script hands options straight to the commands that parse their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.cli import main


def _csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in rows))
    return path


def test_text_evaluate_takes_options_first(tmp_path, capsys):
    rows = [("late delivery again", "delivery"), ("invoice was wrong", "billing")] * 6
    train = _csv(tmp_path / "train.csv", rows)
    test = _csv(tmp_path / "test.csv", rows[:4])
    code = main(
        ["text", "evaluate", "--data", str(test), "--train", str(train), "--text", "text",
         "--label", "label"]
    )  # fmt: skip
    assert code == 0
    assert "accuracy: 1.0000" in capsys.readouterr().out


def test_text_evaluate_without_options_says_what_is_missing(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["text", "evaluate"])
    assert exited.value.code == 2
    assert "--data" in capsys.readouterr().err
