from __future__ import annotations

import pytest

from rapport.enrichment.taxonomy import install_standard_taxonomy


@pytest.fixture(autouse=True)
def _fast(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def taxonomy(db) -> None:
    install_standard_taxonomy(actor=None)
