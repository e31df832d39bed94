"""RAPPORT_ANSWER_SCALES, which the SWOT page advises setting, is read (issue 11): by the
typed env helper in settings.py, and used where a custom answer's range is needed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rapport.analytics.swot import rules
from rapport.env import ConfigurationError, env_ranges


def test_ranges_are_read_as_json_and_bad_ones_refused():
    environ = {"RAPPORT_ANSWER_SCALES": '{"ease_of_ordering": [1, 5], "effort": [0, 10.5]}'}
    assert env_ranges("ANSWER_SCALES", environ=environ) == {
        "ease_of_ordering": (1.0, 5.0),
        "effort": (0.0, 10.5),
    }
    assert env_ranges("ANSWER_SCALES", environ={}) == {}
    for bad in ("[1, 5]", '{"x": [5, 1]}', '{"x": [1]}', '{"x": ["1", "5"]}', "{x: 1}"):
        with pytest.raises(ConfigurationError, match="RAPPORT_ANSWER_SCALES"):
            env_ranges("ANSWER_SCALES", environ={"RAPPORT_ANSWER_SCALES": bad})


def test_settings_read_the_variable(tmp_path):
    env = {
        "RAPPORT_SECRET_KEY": "x",
        "RAPPORT_DATA_DIR": str(tmp_path),
        "RAPPORT_ANSWER_SCALES": '{"ease_of_ordering": [1, 5]}',
        "PYTHONPATH": ":".join(sys.path),
    }
    script = "import rapport.settings as s; print(s.RAPPORT_ANSWER_SCALES)"
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "{'ease_of_ordering': (1.0, 5.0)}"


def test_the_swot_rules_judge_a_custom_answer_on_the_configured_scale(settings):
    settings.RAPPORT_ANSWER_SCALES = {}
    assert rules._scale("ease_of_ordering") is None
    settings.RAPPORT_ANSWER_SCALES = {"ease_of_ordering": (1.0, 5.0)}
    assert rules._scale("ease_of_ordering") == (1.0, 5.0)
