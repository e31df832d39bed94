"""Pure statistics for Rapport: numpy/scipy only, no Django.

Inputs are counts and arrays; outputs are frozen dataclasses, so the same figures can be
computed in a request, a task, a report or a test and compared with published references.
"""
