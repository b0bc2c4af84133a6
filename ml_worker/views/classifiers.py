"""Classifier versions (metrics, ROC), training runs (start, watch), promotion, threshold."""

from __future__ import annotations

import io
import json
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from django import forms  # noqa: E402
from django.contrib import messages  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.shortcuts import get_object_or_404, redirect, render  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

from gauntlet.accounts.models import User  # noqa: E402
from gauntlet.errors import DomainError
from gauntlet.web.decorators import is_htmx, role_required  # noqa: E402
from labeling.models import Consensus, InjuryLabel  # noqa: E402
from ml_worker.models import LOADABLE_STATUSES, ClassifierVersion, RunStatus, Score, TrainingRun  # noqa: E402
from ml_worker.selectors import classifier_version_list, training_run_get  # noqa: E402
from ml_worker.services.registry import classifier_version_promote  # noqa: E402
from ml_worker.services.training import training_run_create  # noqa: E402


class TrainingForm(forms.Form):
    from_version = forms.ModelChoiceField(
        label="Start from",
        queryset=ClassifierVersion.objects.none(),
        required=False,
        empty_label="the base model",
    )
    name = forms.CharField(label="New version name", required=False, max_length=100)
    epochs = forms.IntegerField(label="Epochs", min_value=1, max_value=50, required=False)
    options = forms.CharField(
        label="More training options (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='TrainConfig fields and run options, e.g. {"lr": 3e-5, "batch_size": 16, "promote": false}.',
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_version"].queryset = ClassifierVersion.objects.filter(  # type: ignore[attr-defined]
            status__in=LOADABLE_STATUSES
        ).exclude(artifact_uri="")

    def clean_options(self) -> dict[str, Any]:
        raw = self.cleaned_data.get("options") or ""
        if not raw.strip():
            return {}
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} at column {exc.colno}.") from exc
        if not isinstance(value, dict):
            raise forms.ValidationError("Give a JSON object of option names and values.")
        return value


@role_required("manager")
def classifier_list(request: HttpRequest) -> HttpResponse:
    versions = list(classifier_version_list()[:50])
    runs = TrainingRun.objects.select_related("version").order_by("-id")[:20]
    return render(
        request, "ml_worker/classifiers.html", {"versions": versions, "runs": runs, "form": TrainingForm()}
    )


@role_required("manager")
def training_run_start(request: HttpRequest) -> HttpResponse:
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        config = dict(form.cleaned_data["options"])
        if form.cleaned_data["epochs"]:
            config["epochs"] = form.cleaned_data["epochs"]
        try:
            run = training_run_create(
                created_by=cast(User, request.user),
                from_version=form.cleaned_data["from_version"],
                name=form.cleaned_data["name"] or None,
                config=config,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("ml_worker_manage:training-run", run_id=run.pk)
    versions = list(classifier_version_list()[:50])
    runs = TrainingRun.objects.select_related("version").order_by("-id")[:20]
    return render(
        request, "ml_worker/classifiers.html", {"versions": versions, "runs": runs, "form": form}, status=400
    )


@role_required("manager")
def training_run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    run = training_run_get(run_id=run_id)
    if run is None:
        return render(request, "web/forbidden.html", {"role": "manager"}, status=404)
    context = {"run": run, "finished": run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)}
    template = "ml_worker/_training_progress.html" if is_htmx(request) else "ml_worker/training_run.html"
    return render(request, template, context)


@role_required("manager")
def classifier_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(ClassifierVersion, pk=version_id)
    return render(
        request,
        "ml_worker/classifier_detail.html",
        {"version": version, "n_scored": Score.objects.filter(classifier_version=version).count()},
    )


@require_POST
@role_required("manager")
def classifier_promote(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(ClassifierVersion, pk=version_id)
    try:
        version = classifier_version_promote(version=version, actor=cast(User, request.user))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{version.name} is now the active classifier.")
    return redirect("ml_worker_manage:classifier", version_id=version.pk)


def roc_points(version: ClassifierVersion) -> tuple[list[float], list[float], float | None, int]:
    """ROC of the version's scores against decided final consensus labels (every labelled
    example it scored, training examples included); (fpr, tpr, auc, n)."""
    from sklearn.metrics import roc_auc_score, roc_curve

    labels = dict(
        Consensus.objects.filter(decided=True, final=True)
        .exclude(label=InjuryLabel.UNSURE)
        .values_list("example_id", "label")
    )
    pairs = [
        (labels[e], p)
        for e, p in Score.objects.filter(classifier_version=version, example_id__in=labels).values_list(
            "example_id", "probability"
        )
    ]
    y = [1 if label == InjuryLabel.INJURIOUS else 0 for label, _ in pairs]
    if len(set(y)) < 2:
        return [], [], None, len(pairs)
    scores = [p for _, p in pairs]
    fpr, tpr, _ = roc_curve(y, scores)
    return list(fpr), list(tpr), float(roc_auc_score(y, scores)), len(pairs)


@role_required("manager")
def classifier_roc_svg(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(ClassifierVersion, pk=version_id)
    fpr, tpr, auc, n = roc_points(version)
    figure, axis = plt.subplots(figsize=(4.8, 4.4))
    axis.plot([0, 1], [0, 1], linestyle="--", color="#888", label="chance")
    if auc is not None:
        axis.plot(fpr, tpr, color="#1f5fa8", linewidth=2, label=f"{version.name} (AUC {auc:.3f}, n={n})")
    else:
        axis.text(0.5, 0.5, "needs scored examples of both classes", ha="center", va="center")
    axis.set_xlabel("false-positive rate (safe completions rejected)")
    axis.set_ylabel("true-positive rate (injurious completions caught)")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1.01)
    axis.set_title("ROC on consensus-labelled examples (training ones included)", fontsize=10)
    axis.legend(loc="lower right", fontsize=8)
    axis.grid(alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
