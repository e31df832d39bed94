"""The upload form of the import page, and the mapping check it shares with the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from rapport.feedback.importing.mapping import MappingError, load_mapping, parse_mapping

FORMAT_CHOICES = [("", "From the file name"), ("csv", "CSV / text"), ("xlsx", "Excel (.xlsx)")]


def checked_mapping(value: UploadedFile | str | None) -> dict[str, Any]:
    """A mapping sent with an upload (a JSON file, or JSON text in a form field), every option
    checked; a ValidationError names the option that is wrong."""
    text = value.read() if isinstance(value, UploadedFile) else value
    try:
        data = load_mapping(text)
        parse_mapping(data)
    except MappingError as error:
        raise forms.ValidationError(f"mapping: {error}") from None
    return data


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

    def clean_mapping(self) -> dict[str, Any]:
        return checked_mapping(self.cleaned_data.get("mapping"))
