"""Browse and search examples; create a queue from the selection in one step."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from gauntlet.accounts.models import User
from gauntlet.errors import DomainError, Invalid, fields_text
from gauntlet.web.decorators import role_required
from labeling.example_search import CONSENSUS_FILTERS, example_batches
from labeling.models import Source
from labeling.services.queue_selection import example_queue_kinds, queue_create_from_examples
from ml_worker.example_selection import ExampleSelection, example_selection_search

PAGE_SIZE = 50


class SelectionForm(forms.Form):
    batch = forms.ChoiceField(label="Batch", required=False)
    source = forms.ChoiceField(label="Source", required=False, choices=[("", "any"), *Source.choices])
    consensus_label = forms.ChoiceField(
        label="Consensus label",
        required=False,
        choices=[("", "any"), *[(c, c.replace("_", " ")) for c in CONSENSUS_FILTERS]],
    )
    text = forms.CharField(label="Text contains", required=False, max_length=200)
    score_min = forms.FloatField(label="Latest score ≥", required=False, min_value=0, max_value=1)
    score_max = forms.FloatField(label="Latest score ≤", required=False, min_value=0, max_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["batch"].choices = [("", "any"), *[(b, b) for b in example_batches()]]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("score_min"), data.get("score_max")
        if low is not None and high is not None and low > high:
            self.add_error("score_max", "Must be at least the lower bound.")
        return data


class QueueFromSelectionForm(forms.Form):
    name = forms.CharField(label="Queue name", max_length=200)
    kind = forms.ChoiceField(
        label="Kind", choices=lambda: [(k, k.replace("_", " ")) for k in example_queue_kinds()]
    )
    overlap = forms.IntegerField(label="Judgments per item (overlap)", min_value=1, max_value=50, initial=3)
    pay_per_task = forms.DecimalField(
        label="Pay per task", min_value=0, max_digits=10, decimal_places=4, initial="0.10"
    )
    description = forms.CharField(
        label="Instructions for contractors", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    open_now = forms.BooleanField(label="Open it now", required=False, initial=True)


def _selection(form: SelectionForm) -> ExampleSelection:
    return ExampleSelection.from_values({k: v for k, v in form.cleaned_data.items() if v not in ("", None)})


@role_required("manager")
def example_list(request: HttpRequest) -> HttpResponse:
    form = SelectionForm(request.GET or None)
    selection = _selection(form) if form.is_valid() else ExampleSelection()
    examples = example_selection_search(selection=selection).select_related(None)
    page = Paginator(examples, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form if form.is_bound else SelectionForm(),
        "page": page,
        "query": query.urlencode(),
        "selection_empty": selection.is_empty(),
        "queue_form": QueueFromSelectionForm(
            initial={"name": f"Labels: {selection.batch}" if selection.batch else ""}
        ),
    }
    return render(request, "ml_worker/examples.html", context)


@role_required("manager")
def queue_from_selection(request: HttpRequest) -> HttpResponse:
    """POST: the selection's filters (as on the list) plus the new queue's settings."""
    if request.method != "POST":
        return redirect("ml_worker_manage:examples")
    selection_form = SelectionForm(request.POST)
    queue_form = QueueFromSelectionForm(request.POST)
    if selection_form.is_valid() and queue_form.is_valid():
        selection = _selection(selection_form)
        if selection.is_empty():
            messages.error(
                request, "Narrow the selection first (a batch, a source, …): it would take every example."
            )
        else:
            values = queue_form.cleaned_data
            try:
                queue, report = queue_create_from_examples(
                    created_by=cast(User, request.user),
                    name=values["name"],
                    kind=values["kind"],
                    overlap=values["overlap"],
                    pay_per_task=values["pay_per_task"],
                    description=values["description"],
                    examples=example_selection_search(selection=selection),
                    open_queue=values["open_now"],
                )
            except DjangoValidationError as exc:
                messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()))
            except Invalid as exc:  # the fields' problems, "selection: The selection matches no example; …"
                messages.error(request, fields_text(exc.fields) if exc.fields else exc.message)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, f"Queue “{queue.name}” created with {report.added} items ({queue.state})."
                )
                return redirect("workqueue_manage:queue-detail", queue_id=queue.pk)
    else:
        errors = {**selection_form.errors, **queue_form.errors}
        messages.error(request, "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in errors.items()))
    return redirect(f"{reverse('ml_worker_manage:examples')}?{request.POST.get('query', '')}")
