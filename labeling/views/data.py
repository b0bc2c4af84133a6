"""The manager's upload page: a JSONL/CSV file in, the import report (every bad row) out.

The page posts an ordinary multipart form; ``labeling/js/upload.js`` sends the same form
with ``XMLHttpRequest`` to show the upload's progress and swaps in the report fragment.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gauntlet.web.decorators import is_htmx, role_required
from labeling.services.imports.parsing import format_for, parse_stream
from labeling.services.imports.report import ImportFileError, ImportReport
from labeling.services.imports.service import examples_import
from labeling.services.imports.sources import default_batch_for


class UploadForm(forms.Form):
    file = forms.FileField(
        label="File (.jsonl or .csv)", help_text="Columns: prompt, completion; optional id, source, label."
    )
    batch = forms.CharField(
        label="Batch",
        required=False,
        max_length=200,
        help_text="Default: the file name without its extension.",
    )
    skip_invalid = forms.BooleanField(label="Import the good rows even if some rows are bad", required=False)


@role_required("manager")
def data_upload(request: HttpRequest) -> HttpResponse:
    report: ImportReport | None = None
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            file_format = format_for(upload.name)
            upload.seek(0)
            report = examples_import(
                rows=parse_stream(upload, file_format=file_format),
                batch=form.cleaned_data["batch"] or default_batch_for(upload.name),
                file_format=file_format,
                skip_invalid=form.cleaned_data["skip_invalid"],
                author=None,
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
    template = "labeling/_import_report.html" if is_htmx(request) else "labeling/upload.html"
    return render(request, template, {"form": form, "report": report})
