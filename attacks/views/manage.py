"""Manager pages of attacks: cost per verified adversarial example (plot, 95% intervals), the
robustness matrix (heatmap), the adversarial-example registry with each example's edit
history, and paraphrase batches (launch, watch)."""

from __future__ import annotations

import io
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from django import forms  # noqa: E402
from django.contrib import messages  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.shortcuts import get_object_or_404, redirect, render  # noqa: E402

from attacks import reports  # noqa: E402
from attacks.models import AdversarialExample, AttackSource, ParaphraseBatch, RewriteEdit  # noqa: E402
from attacks.selectors import adversarial_example_list, adversarial_matrix, paraphrase_batch_counts  # noqa: E402
from attacks.services.paraphrase import SELECTIONS, paraphrase_batch_create  # noqa: E402
from gauntlet.accounts.models import User  # noqa: E402
from gauntlet.errors import DomainError
from gauntlet.web.decorators import is_htmx, role_required  # noqa: E402
from gauntlet.workqueue.models import Queue, QueueState  # noqa: E402
from ml_worker.models import ClassifierVersion  # noqa: E402

PAGE_SIZE = 50


def _svg(figure: Any) -> HttpResponse:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@role_required("manager")
def attacks_page(request: HttpRequest) -> HttpResponse:
    report = reports.cost_per_adversarial_example()
    return render(
        request,
        "attacks/manage/attacks.html",
        {
            "report": report,
            "matrix": adversarial_matrix(),
            "batches": ParaphraseBatch.objects.order_by("-id")[:10],
        },
    )


@role_required("manager")
def cost_plot_png(request: HttpRequest) -> HttpResponse:
    """The attack report's own figure (attacks.reports.cost_plot): minutes and dollars per
    verified adversarial example by attacked version, one bar per source, 95% error bars."""
    report = reports.cost_per_adversarial_example()
    buffer = io.BytesIO()
    if report["groups"]:
        reports.cost_plot(report, buffer)  # type: ignore[arg-type]  # savefig takes a file too
    else:
        figure, axis = plt.subplots(figsize=(8, 1.2))
        axis.axis("off")
        axis.text(
            0.5, 0.5, "No attack attempt yet: the cost per adversarial example appears here", ha="center"
        )
        figure.savefig(buffer, format="png", bbox_inches="tight")
        plt.close(figure)
    return HttpResponse(buffer.getvalue(), content_type="image/png")


@role_required("manager")
def matrix_svg(request: HttpRequest) -> HttpResponse:
    matrix = adversarial_matrix()
    rows, columns = matrix["rows"], matrix["columns"]
    figure, axis = plt.subplots(figsize=(1.6 * max(len(columns), 2) + 2.5, 0.9 * max(len(rows), 1) + 2))
    if not rows or not columns:
        axis.axis("off")
        axis.text(0.5, 0.5, "No verified adversarial example evaluated yet", ha="center", va="center")
        return _svg(figure)
    values = [
        [c["still_passing"] if c["still_passing"] is not None else float("nan") for c in r["cells"]]
        for r in rows
    ]
    image = axis.imshow(values, cmap="Reds", vmin=0.0, vmax=1.0)
    axis.set_xticks(range(len(columns)), columns, rotation=30, ha="right")
    axis.set_yticks(range(len(rows)), [r["attacked"] for r in rows])
    axis.set_xlabel("evaluated by version")
    axis.set_ylabel("adversarial examples found against")
    for i, row in enumerate(rows):
        for j, cell in enumerate(row["cells"]):
            text = "–" if cell["still_passing"] is None else f"{cell['still_passing']:.0%}\nn={cell['n']}"
            axis.text(j, i, text, ha="center", va="center", fontsize=8)
    figure.colorbar(image, ax=axis, label="share still passing the filter (lower is more robust)")
    return _svg(figure)


class RegistryFilterForm(forms.Form):
    classifier_version = forms.ModelChoiceField(
        queryset=ClassifierVersion.objects.order_by("-id"), required=False, empty_label="any version"
    )
    source = forms.ChoiceField(choices=[("", "any source"), *AttackSource.choices], required=False)
    round = forms.CharField(required=False, max_length=100)


@role_required("manager")
def registry_page(request: HttpRequest) -> HttpResponse:
    form = RegistryFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        version = form.cleaned_data.get("classifier_version")
        filters = {
            "classifier_version": version.pk if version else None,
            "source": form.cleaned_data.get("source"),
            "round": form.cleaned_data.get("round"),
        }
    page = Paginator(adversarial_example_list(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "attacks/manage/registry.html",
        {"form": form if form.is_bound else RegistryFilterForm(), "page": page},
    )


@role_required("manager")
def adversarial_example_page(request: HttpRequest, adversarial_id: int) -> HttpResponse:
    adversarial = get_object_or_404(
        AdversarialExample.objects.select_related("example", "classifier_version", "author"),
        pk=adversarial_id,
    )
    edits = (
        RewriteEdit.objects.filter(session_id=adversarial.session_id).order_by("seq")
        if adversarial.session_id
        else []
    )
    return render(
        request, "attacks/manage/adversarial_example.html", {"adversarial": adversarial, "edits": edits}
    )


class ParaphraseBatchForm(forms.Form):
    sources = forms.ChoiceField(label="Sources", choices=[(s, s) for s in SELECTIONS])
    round = forms.CharField(label="Round (adversarial sources only)", required=False, max_length=100)
    k = forms.IntegerField(label="Paraphrases per source", min_value=1, max_value=50, initial=3)
    paraphraser = forms.CharField(
        label="Paraphraser", initial="lexical", help_text="lexical | hf:PATH | http:URL[#MODEL]"
    )
    verification_queue = forms.ModelChoiceField(
        label="Verification queue",
        queryset=Queue.objects.filter(kind="verification").exclude(state=QueueState.CLOSED),
    )


@role_required("manager")
def paraphrase_batch_launch(request: HttpRequest) -> HttpResponse:
    form = ParaphraseBatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            batch = paraphrase_batch_create(
                created_by=cast(User, request.user),
                verification_queue=values["verification_queue"],
                selection=values["sources"],
                k=values["k"],
                paraphraser=values["paraphraser"],
                round=values["round"] or None,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Paraphrase batch {batch.pk} launched.")
            return redirect("attacks_manage:paraphrase-batch", batch_id=batch.pk)
    return render(
        request, "attacks/manage/paraphrase_form.html", {"form": form}, status=400 if form.errors else 200
    )


@role_required("manager")
def paraphrase_batch_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(ParaphraseBatch.objects.select_related("classifier_version"), pk=batch_id)
    context = {
        "batch": batch,
        "counts": paraphrase_batch_counts(batch=batch),
        "expected": len(batch.sources) * batch.k,
    }
    template = (
        "attacks/manage/_paraphrase_progress.html"
        if is_htmx(request)
        else "attacks/manage/paraphrase_batch.html"
    )
    return render(request, template, context)
