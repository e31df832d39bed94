"""Feedback import: read a file, map its columns, validate rows, write them in batches.

- `readers`  open a CSV or XLSX file as numbered rows (encoding, delimiter, header rows)
- `mapping`  which column feeds which field, and the mapping file's options
- `rows`     turn cells into validated rows or row problems
- `dedupe`   repeated external ids in one file: inside a chunk, and ids of unchanged rows
- `store`    the SQL of one batch: existing rows, inserts, updates, errors, checkpoint
- `pipeline` run a job batch by batch, each batch one transaction with its checkpoint
"""

from __future__ import annotations


class ImportFailed(Exception):
    """A problem with the whole file or mapping: the job fails with this message."""
