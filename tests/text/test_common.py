from __future__ import annotations

import json

import pytest

from rapport.text._common import MAGIC, check_texts, dump_model, load_model, read_header


def test_model_bytes_round_trip_with_a_header() -> None:
    data = dump_model("demo", {"weights": [1, 2, 3]})
    assert data.startswith(MAGIC)
    header = read_header(data)
    assert header["kind"] == "demo"
    assert header["format"] == 1
    assert load_model(data, "demo") == {"weights": [1, 2, 3]}


def test_wrong_kind_format_or_damage_is_a_value_error() -> None:
    data = dump_model("demo", {})
    with pytest.raises(ValueError, match="expected a themes model, got a 'demo' model"):
        load_model(data, "themes")
    size = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "big")
    header = json.loads(data[len(MAGIC) + 4 : len(MAGIC) + 4 + size])
    future = json.dumps({**header, "format": 99}).encode()
    newer = MAGIC + len(future).to_bytes(4, "big") + future + data[len(MAGIC) + 4 + size :]
    with pytest.raises(ValueError, match="format 99 is not supported"):
        load_model(newer, "demo")
    with pytest.raises(ValueError, match="damaged header"):
        load_model(MAGIC + (5).to_bytes(4, "big") + b"{nope", "demo")
    with pytest.raises(ValueError, match="must be bytes"):
        load_model("text", "demo")  # type: ignore[arg-type]


def test_check_texts() -> None:
    assert check_texts(("a", "b")) == ["a", "b"]
    with pytest.raises(ValueError, match=r"comments\[0\] must be a string, got int"):
        check_texts([1], "comments")  # type: ignore[list-item]
