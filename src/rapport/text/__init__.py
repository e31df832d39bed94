"""Pure text analytics for comments: sentiment, themes, PII redaction, language detection.

Imports nothing from Django. Functions take batches (lists of strings); models are loaded
once per process. Entry point for the app's background task: rapport.text.pipeline.enrich.
"""
