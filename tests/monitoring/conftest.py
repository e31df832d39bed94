"""Evidence files of plan agreements go under a temporary MEDIA_ROOT; the URL conf is loaded
before any test freezes time (pydantic cannot build the API's schemas on freezegun's dates)."""

from __future__ import annotations

import pytest
from django.urls import get_resolver


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True, scope="session")
def _urls_loaded():
    get_resolver().url_patterns  # noqa: B018 - importing the URL conf is the point
