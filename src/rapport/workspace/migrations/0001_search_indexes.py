"""Full-text indexes for global search: FTS5 tables and triggers on SQLite, GIN indexes on
PostgreSQL (workspace/search_index.py)."""

from django.db import migrations

from rapport.workspace.search_index import create_indexes, drop_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_cost_entry"),
        ("enrichment", "0003_sentiment_random_picks"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
