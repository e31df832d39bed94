"""Typed readers for RAPPORT_* environment variables that fail loudly on bad values.

Settings are read once, in settings.py; nothing else in the code base reads os.environ.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

PREFIX = "RAPPORT_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigurationError(RuntimeError):
    """A RAPPORT_* variable has a value Rapport cannot use."""


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    return (os.environ if environ is None else environ).get(PREFIX + name)


def env_str(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigurationError(f"{PREFIX}{name}={value!r} is not a boolean (use true or false)")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(f"{PREFIX}{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise ConfigurationError(f"{PREFIX}{name}={number} must be at least {minimum}")
    return number


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_ranges(
    name: str, *, environ: Mapping[str, str] | None = None
) -> dict[str, tuple[float, float]]:
    """A JSON object of key → [low, high] with low < high, e.g. {"ease_of_ordering": [1, 5]}."""
    value = _raw(name, environ)
    if value is None or not value.strip():
        return {}
    example = 'e.g. {"ease_of_ordering": [1, 5]}'
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        raise ConfigurationError(f"{PREFIX}{name} is not JSON ({example})") from None
    if not isinstance(parsed, dict):
        raise ConfigurationError(f"{PREFIX}{name} must be a JSON object ({example})")
    ranges = {}
    for key, bounds in parsed.items():
        numbers = (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
        )
        if not numbers or bounds[0] >= bounds[1]:
            raise ConfigurationError(
                f"{PREFIX}{name}: {key!r} must be [low, high] with low below high, not {bounds!r}"
            )
        ranges[str(key)] = (float(bounds[0]), float(bounds[1]))
    return ranges


def env_choice(
    name: str, default: str, choices: Mapping[str, str], *, environ: Mapping[str, str] | None = None
) -> str:
    """Map a short name (e.g. 'database') to its value; reject anything else."""
    key = env_str(name, default, environ=environ)
    if key not in choices:
        allowed = ", ".join(sorted(choices))
        raise ConfigurationError(f"{PREFIX}{name}={key!r} is not one of: {allowed}")
    return choices[key]


def read_secret_file(path: Path, *, create: bool) -> str:
    """The secret key kept in the data folder ("" when absent); with create, made if absent."""
    if path.is_file():
        return path.read_text().strip()
    if not create:
        return ""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(key + "\n")
    return key
