"""Payout batches: close a period, list, read, download the CSV, record the payment."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.permissions import IsManager
from gauntlet.api import Pagination
from gauntlet.common import storage

from ..models import PayoutBatch
from ..selectors import payout_batch_list, payout_batch_rows
from ..services import payout_batch_close, payout_batch_mark_paid
from .common import money_field


class PayoutBatchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period_end = serializers.DateTimeField()
    status = serializers.CharField()
    note = serializers.CharField()
    created_by = serializers.EmailField(source="created_by.email")
    created_at = serializers.DateTimeField()
    paid_by = serializers.EmailField(source="paid_by.email", allow_null=True, default=None)
    paid_at = serializers.DateTimeField(allow_null=True)
    paid_reference = serializers.CharField()
    csv_uri = serializers.CharField()
    json_uri = serializers.CharField()


class PayoutRowSerializer(serializers.Serializer):
    contractor_id = serializers.IntegerField()
    email = serializers.EmailField()
    currency = serializers.CharField()
    entries = serializers.IntegerField()
    ledger = money_field(help_text="The exact sum of the batch's ledger entries.")
    total = serializers.CharField(help_text="Paid: whole minor units of the currency, never negative.")
    carried = money_field(help_text="Left over (a fraction of a cent, or a deduction) for the next batch.")


class PayoutBatchDetailOutputSerializer(PayoutBatchOutputSerializer):
    contractors = PayoutRowSerializer(many=True)


def _detail(batch: PayoutBatch) -> dict[str, object]:
    data = dict(PayoutBatchOutputSerializer(batch).data)
    data["contractors"] = PayoutRowSerializer(payout_batch_rows(batch=batch), many=True).data
    return data


class PayoutBatchCloseApi(APIView):
    """POST /api/v1/payouts/: close the period ending at ``period_end`` (201), or return
    the batch that already closed it (200, nothing changes)."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        period_end = serializers.DateTimeField()
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer,
        responses={201: PayoutBatchDetailOutputSerializer, 200: PayoutBatchDetailOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        period_end = data.validated_data["period_end"]
        already = PayoutBatch.objects.filter(period_end=period_end).exists()  # only picks the status code
        batch = payout_batch_close(
            period_end=period_end,
            created_by=request.user,  # type: ignore[arg-type]
            note=data.validated_data["note"],
        )
        return Response(_detail(batch), status=status.HTTP_200_OK if already else status.HTTP_201_CREATED)

    @extend_schema(responses={200: PayoutBatchOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        """GET /api/v1/payouts/: batches, latest period first (paginated)."""
        paginator = Pagination()
        page = paginator.paginate_queryset(payout_batch_list(), request, view=self)
        return paginator.get_paginated_response(PayoutBatchOutputSerializer(page, many=True).data)


class PayoutBatchDetailApi(APIView):
    permission_classes = (IsManager,)

    @extend_schema(responses={200: PayoutBatchDetailOutputSerializer})
    def get(self, request: Request, batch_id: int) -> Response:
        """GET /api/v1/payouts/{id}/: the batch and one row per contractor."""
        return Response(_detail(get_object_or_404(payout_batch_list(), pk=batch_id)))


class PayoutBatchCsvApi(APIView):
    permission_classes = (IsManager,)

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, batch_id: int) -> HttpResponse:
        """GET /api/v1/payouts/{id}/csv/: the exported CSV, read back from storage."""
        batch = get_object_or_404(PayoutBatch, pk=batch_id)
        response = HttpResponse(storage.read_bytes(batch.csv_uri), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="payout-{batch.pk}.csv"'
        return response


class PayoutBatchMarkPaidApi(APIView):
    """POST /api/v1/payouts/{id}/mark-paid/: record the payment (who, when, reference). A retry
    with the same reference changes nothing; a different one is a 409."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        reference = serializers.CharField(max_length=200)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: PayoutBatchDetailOutputSerializer})
    def post(self, request: Request, batch_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = payout_batch_mark_paid(
            batch=get_object_or_404(PayoutBatch, pk=batch_id),
            by=request.user,  # type: ignore[arg-type]
            reference=data.validated_data["reference"],
            note=data.validated_data["note"],
        )
        return Response(_detail(batch))
