"""Typed readers for RAPPORT_* environment variables that fail loudly on bad values.

Settings are read once, in settings.py; nothing else in the code base reads os.environ.
"""

from __future__ import annotations

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
