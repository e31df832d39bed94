"""An editable theme taxonomy: themes as phrases with include/exclude rules, as plain data.

Phrases match whole words, ignoring case, with any white space between words; a trailing *
matches the rest of a word ("refund*" finds refunds, refunded). A theme applies to a comment
when one of its phrases occurs and none of its exclude phrases does. The taxonomy converts to
and from a dict / JSON so the app can store one per organisation and let people edit it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rapport.text._common import check_texts
from rapport.text._phrases import compile_phrases


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    phrases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("a theme needs a non-empty name")
        for field in ("phrases", "exclude"):
            value = getattr(self, field)
            if not isinstance(value, tuple) or not all(isinstance(p, str) for p in value):
                raise ValueError(f"theme {self.name!r}: {field} must be a tuple of strings")
        compile_phrases(self.phrases + self.exclude)  # a misplaced * fails here, not on use


@dataclass(frozen=True, slots=True)
class ThemeHit:
    """A theme found by its phrases, with the first occurrence as evidence."""

    theme: str
    phrase: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    VERSION: ClassVar[int] = 1

    def __post_init__(self) -> None:
        if not isinstance(self.themes, tuple) or not all(isinstance(t, Theme) for t in self.themes):
            raise ValueError("a taxonomy's themes must be a tuple of Theme")
        names = [t.name for t in self.themes]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"theme names must be unique; repeated: {duplicates}")

    def match(self, texts: Sequence[str]) -> list[tuple[ThemeHit, ...]]:
        """The themes whose rules hold for each text, in taxonomy order."""
        compiled = _compile(self)
        results = []
        for text in check_texts(texts):
            hits = []
            for name, include, exclude in compiled:
                found = include.search(text)
                if found and not (exclude and exclude.search(text)):
                    hits.append(ThemeHit(name, found.group(), found.start(), found.end()))
            results.append(tuple(hits))
        return results

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.VERSION,
            "themes": [
                {
                    "name": t.name,
                    "phrases": list(t.phrases),
                    "exclude": list(t.exclude),
                    "description": t.description,
                }
                for t in self.themes
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Taxonomy:
        if not isinstance(data, Mapping):
            raise ValueError("a taxonomy must be a mapping with a 'themes' list")
        if data.get("version", cls.VERSION) != cls.VERSION:
            raise ValueError(f"taxonomy version {data['version']!r} is not {cls.VERSION}")
        themes = data.get("themes")
        if not isinstance(themes, list):
            raise ValueError("a taxonomy needs a 'themes' list")
        return cls(tuple(_theme_from_dict(i, t) for i, t in enumerate(themes)))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Taxonomy:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"taxonomy JSON is not valid: {exc}") from exc
        return cls.from_dict(data)


def _theme_from_dict(index: int, data: Any) -> Theme:
    if not isinstance(data, Mapping):
        raise ValueError(f"themes[{index}] must be a mapping")
    unknown = sorted(set(data) - {"name", "phrases", "exclude", "description"})
    if unknown:
        raise ValueError(f"themes[{index}] has unknown keys {unknown}")

    def strings(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"themes[{index}].{key} must be a list of strings")
        return tuple(value)

    description = data.get("description", "")
    if not isinstance(description, str):
        raise ValueError(f"themes[{index}].description must be a string")
    return Theme(
        name=data.get("name", ""),
        phrases=strings("phrases"),
        exclude=strings("exclude"),
        description=description,
    )


@functools.lru_cache(maxsize=64)
def _compile(
    taxonomy: Taxonomy,
) -> list[tuple[str, re.Pattern[str], re.Pattern[str] | None]]:
    """Each theme's include and exclude regexes, compiled once per taxonomy."""
    compiled = []
    for theme in taxonomy.themes:
        include = compile_phrases(theme.phrases)
        if include is not None:
            compiled.append((theme.name, include, compile_phrases(theme.exclude)))
    return compiled
