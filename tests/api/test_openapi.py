"""The published OpenAPI document is part of the contract: changes must be deliberate."""

import json
from pathlib import Path

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_schema_matches_committed_copy(client, world):
    client.force_login(world.user)
    live = client.get("/api/v1/openapi.json").json()
    committed = json.loads(COMMITTED.read_text())
    assert live == committed, (
        "The API changed. If intended, regenerate the copy with "
        "`./dev manage export_openapi > docs/openapi.json` and commit it."
    )


def test_docs_page_is_served_without_internet(client, world):
    client.force_login(world.user)
    body = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in body
    assert "unpkg" not in body
