"""`rapport bench NAME` scenarios; each prints its figures against a baseline from the same run."""
