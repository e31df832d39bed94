"""Print the OpenAPI document, as committed in docs/openapi.json (tests compare the two)."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from rapport.api.router import api


class Command(BaseCommand):
    help = "Print the /api/v1/ OpenAPI document as JSON."

    def handle(self, *args: Any, **options: Any) -> None:
        schema = api.get_openapi_schema(path_prefix="/api/v1/")
        self.stdout.write(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False))
