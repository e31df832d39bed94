"""Deterministic sample data for `rapport demo` (a plain package, not a Django app).

`generate()` plans everything in memory from a seed (pure Python + numpy, no database);
`load.load_demo()` writes that plan with bulk inserts and rebuilds the rollups.
"""
