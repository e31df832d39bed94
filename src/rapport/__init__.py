"""Rapport: monitor and control relationships with key customers."""
