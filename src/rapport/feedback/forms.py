"""The upload form of the import page."""

from __future__ import annotations

from django import forms

FORMAT_CHOICES = [("", "From the file name"), ("csv", "CSV / text"), ("xlsx", "Excel (.xlsx)")]


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV (any common encoding, comma, semicolon or tab) or XLSX.")
    file_format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False, label="Format")
    mapping = forms.FileField(
        required=False,
        label="Column mapping (JSON, optional)",
        help_text="Which column feeds which field; see the import guide. Without one, columns "
        "are found by their usual names.",
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run: check every row, write nothing", initial=False
    )
