"""Manager pages: queues (list with state and progress, create, open/pause/close, live progress)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gauntlet.accounts.models import Qualification, User
from gauntlet.errors import DomainError
from gauntlet.web.decorators import is_htmx, role_required
from gauntlet.workqueue import registry
from gauntlet.workqueue.models import Assignment, AssignmentStatus, PayMode, Queue, QueueState
from gauntlet.workqueue.selectors import queue_list, queue_progress
from gauntlet.workqueue.services import queue_create, queue_set_state, queue_update

THROUGHPUT_WINDOW_MINUTES = 15
_STATE_ACTIONS = {"open": QueueState.OPEN, "pause": QueueState.PAUSED, "close": QueueState.CLOSED}


class QueueForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=())
    description = forms.CharField(
        label="Instructions", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    overlap = forms.IntegerField(label="Judgments per item (overlap)", initial=3)
    gold_rate = forms.DecimalField(
        label="Gold rate (0–1)", initial=Decimal("0"), max_digits=4, decimal_places=3
    )
    lease_seconds = forms.IntegerField(label="Lease (seconds)", initial=900)
    pay_mode = forms.ChoiceField(choices=PayMode.choices, initial=PayMode.PER_TASK)
    pay_per_task = forms.DecimalField(
        label="Pay per task", initial=Decimal("0"), max_digits=10, decimal_places=4
    )
    hourly_rate = forms.DecimalField(
        label="Hourly rate (empty: each contractor's own)", required=False, max_digits=8, decimal_places=2
    )
    max_minutes_per_task = forms.IntegerField(label="Hourly: minutes paid per task at most", initial=30)
    currency = forms.CharField(label="Currency (ISO 4217)", max_length=3, initial="USD")
    eligible_qualifications = forms.MultipleChoiceField(
        label="Who may claim",
        choices=[(q, label) for q, label in Qualification.choices if q != Qualification.BLOCKED],
        initial=["qualified"],
        widget=forms.CheckboxSelectMultiple,
    )
    kind_settings = forms.CharField(
        label="Kind settings (JSON)",
        required=False,
        initial="{}",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='e.g. {"consensus_method": "dawid_skene", "agreement_threshold": 0.7, "max_judgments": 7}',
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = registry.kind_choices()  # type: ignore[attr-defined]

    def clean_kind_settings(self) -> dict[str, Any]:
        raw = self.cleaned_data.get("kind_settings") or "{}"
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} at column {exc.colno}.") from exc
        if not isinstance(value, dict):
            raise forms.ValidationError("Give a JSON object of setting names and values.")
        return value


def _progress_rows() -> list[dict[str, Any]]:
    """Each queue with its non-gold items and judgments received of wanted (one query)."""
    not_gold = Q(items__is_gold=False)
    queues = queue_list().annotate(
        n_items=Count("items", filter=not_gold),
        wanted=Sum("items__judgments_wanted", filter=not_gold),
        received=Sum("items__judgments_received", filter=not_gold),
    )
    rows = []
    for queue in queues:
        wanted, received = queue.wanted or 0, queue.received or 0  # type: ignore[attr-defined]
        percent = round(100 * received / wanted) if wanted else 0
        rows.append(
            {
                "queue": queue,
                "items": queue.n_items,
                "wanted": wanted,
                "received": received,
                "percent": percent,
            }
        )  # type: ignore[attr-defined]
    return rows


@role_required("manager")
def queue_list_page(request: HttpRequest) -> HttpResponse:
    return render(request, "workqueue/manage/queues.html", {"rows": _progress_rows()})


@role_required("manager")
def queue_create_page(request: HttpRequest) -> HttpResponse:
    form = QueueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        name, kind = values.pop("name"), values.pop("kind")
        try:
            queue = queue_create(created_by=cast(User, request.user), name=name, kind=kind, **values)
        except DjangoValidationError as exc:
            _add_service_errors(form, exc.message_dict)
        except DomainError as exc:
            _add_api_errors(form, exc.fields or exc.message)
        else:
            messages.success(request, f"Queue “{queue.name}” created (draft): add items, then open it.")
            return redirect("workqueue_manage:queue-detail", queue_id=queue.pk)
    return render(
        request, "workqueue/manage/queue_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _form_initial(queue: Queue) -> dict[str, Any]:
    initial = {name: getattr(queue, name) for name in QueueForm.base_fields}
    initial["kind_settings"] = json.dumps(queue.kind_settings or {})
    return initial


@role_required("manager")
def queue_edit_page(request: HttpRequest, queue_id: int) -> HttpResponse:
    """The create form, filled in with the queue's settings; saving changes what differs (audited)."""
    queue = get_object_or_404(Queue, pk=queue_id)
    form = QueueForm(request.POST or None, initial=_form_initial(queue))
    if request.method == "POST" and form.is_valid():
        try:
            queue = queue_update(queue=queue, updated_by=cast(User, request.user), changes=form.cleaned_data)
        except DjangoValidationError as exc:
            _add_service_errors(form, exc.message_dict)
        except DomainError as exc:
            _add_api_errors(form, exc.fields or exc.message)
        else:
            messages.success(request, f"Queue “{queue.name}” saved.")
            return redirect("workqueue_manage:queue-detail", queue_id=queue.pk)
    context = {"form": form, "queue": queue}
    return render(request, "workqueue/manage/queue_form.html", context, status=400 if form.errors else 200)


def _add_service_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    """A service's field errors next to their fields; a kind setting's
    (``kind_settings.condition``) on the kind settings field, naming the setting."""
    for field, texts in errors.items():
        if field in form.fields:
            form.add_error(field, texts)
        elif field.startswith("kind_settings."):
            setting = field.removeprefix("kind_settings.")
            form.add_error("kind_settings", [f"{setting}: {text}" for text in texts])
        else:
            form.add_error(None, texts)


def _add_api_errors(form: forms.Form, detail: Any) -> None:
    if isinstance(detail, dict):
        for field, errors in detail.items():
            text = errors if isinstance(errors, list) else [errors]
            if field in form.fields:
                form.add_error(field, [str(e) for e in text])
            else:  # kind_settings' own keys: shown on the kind settings field
                form.add_error("kind_settings", [f"{field}: {e}" for e in text])
    else:
        form.add_error(None, str(detail))


def _live_figures(queue: Queue) -> dict[str, Any]:
    since = timezone.now() - timedelta(minutes=THROUGHPUT_WINDOW_MINUTES)
    recent = Assignment.objects.filter(
        queue=queue,
        submitted_at__gte=since,
        status__in=[AssignmentStatus.SUBMITTED, AssignmentStatus.APPROVED],
    ).count()
    progress = queue_progress(queue=queue)
    wanted = progress["judgments_wanted"]
    return {
        **progress,
        "throughput_per_hour": round(recent * 60 / THROUGHPUT_WINDOW_MINUTES, 1),
        "window_minutes": THROUGHPUT_WINDOW_MINUTES,
        "percent": round(100 * progress["judgments_received"] / wanted) if wanted else 0,
    }


@role_required("manager")
def queue_detail_page(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = get_object_or_404(Queue, pk=queue_id)
    context = {"queue": queue, "live": _live_figures(queue)}
    template = (
        "workqueue/manage/_queue_live.html" if is_htmx(request) else "workqueue/manage/queue_detail.html"
    )
    return render(request, template, context)


@require_POST
@role_required("manager")
def queue_state_change(request: HttpRequest, queue_id: int, action: str) -> HttpResponse:
    queue = get_object_or_404(Queue, pk=queue_id)
    try:
        queue = queue_set_state(queue=queue, state=_STATE_ACTIONS[action], actor=cast(User, request.user))
    except (DomainError, KeyError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Queue “{queue.name}” is {queue.state}.")
    return redirect("workqueue_manage:queue-detail", queue_id=queue.pk)
