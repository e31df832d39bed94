import pytest

from rapport.env import ConfigurationError, env_bool, env_choice, env_int, env_list


def test_bool_accepts_common_spellings_and_rejects_others():
    assert env_bool("X", False, environ={"RAPPORT_X": "yes"}) is True
    assert env_bool("X", True, environ={"RAPPORT_X": "0"}) is False
    assert env_bool("X", True, environ={}) is True
    with pytest.raises(ConfigurationError, match="RAPPORT_X='maybe' is not a boolean"):
        env_bool("X", False, environ={"RAPPORT_X": "maybe"})


def test_int_enforces_type_and_minimum():
    assert env_int("N", 5, environ={"RAPPORT_N": "12"}) == 12
    with pytest.raises(ConfigurationError, match="not a whole number"):
        env_int("N", 5, environ={"RAPPORT_N": "1.5"})
    with pytest.raises(ConfigurationError, match="must be at least 1"):
        env_int("N", 5, minimum=1, environ={"RAPPORT_N": "0"})


def test_list_and_choice():
    assert env_list("H", [], environ={"RAPPORT_H": "a.example, b.example,"}) == [
        "a.example",
        "b.example",
    ]
    assert env_choice("B", "x", {"x": "X", "y": "Y"}, environ={"RAPPORT_B": "y"}) == "Y"
    with pytest.raises(ConfigurationError, match="is not one of: x, y"):
        env_choice("B", "x", {"x": "X", "y": "Y"}, environ={"RAPPORT_B": "z"})


def test_settings_refuse_to_start_without_a_secret_key(tmp_path):
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "RAPPORT_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import rapport.settings"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "RAPPORT_SECRET_KEY is not set" in result.stderr
