"""The manager's upload page: a JSONL/CSV file (gzip or not) in, a background import job, its report out.

The page posts an ordinary multipart form, which starts an :class:`~labeling.models.ImportJob`
and shows the job's page (it reloads itself while the job runs). ``labeling/js/upload.js`` sends
the same form with ``XMLHttpRequest`` to show the upload's progress, then polls the job's fragment
(``_import_job.html``: the import's progress bar, then the report with every bad row) in place.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from gauntlet.web.decorators import is_htmx, role_required
from labeling.models import ImportJob
from labeling.services.imports.intake import import_request_receive
from labeling.services.imports.jobs import import_job_create, import_job_progress
from labeling.services.imports.report import ImportFileError


class UploadForm(forms.Form):
    file = forms.FileField(
        label="File (.jsonl or .csv)",
        help_text="Columns: prompt, completion; optional id, source, label. Gzip (.jsonl.gz, .csv.gz) is fine.",
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
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with import_request_receive(request) as received:
                job = import_job_create(received=received, created_by=request.user)  # type: ignore[arg-type]
        except (ImportFileError, ValidationError) as exc:
            form.add_error("file", exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            if is_htmx(request):
                return import_job_fragment(request, job)
            return redirect("labeling_manage:import-job", job_id=job.pk)
    template = "labeling/_import_job.html" if is_htmx(request) else "labeling/upload.html"
    return render(request, template, {"form": form, "job": None})


def import_job_fragment(request: HttpRequest, job: ImportJob) -> HttpResponse:
    job.refresh_from_db()
    return render(request, "labeling/_import_job.html", _job_context(job))


def _job_context(job: ImportJob) -> dict[str, object]:
    return {
        "job": job,
        "percent": round(100 * import_job_progress(job)),
        "report": job if job.finished else None,
    }


@role_required("manager")
def import_job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """One import job: its progress while it runs (the page reloads itself), then its report."""
    job = get_object_or_404(ImportJob, pk=job_id)
    if is_htmx(request):
        return import_job_fragment(request, job)
    return render(request, "labeling/upload.html", {"form": UploadForm(), **_job_context(job)})
