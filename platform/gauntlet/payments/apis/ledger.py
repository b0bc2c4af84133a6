"""Managers' ledger: queries with totals, manual bonuses, adjustments, paying rejected work."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.permissions import IsManager
from gauntlet.api import ApiError, Pagination
from gauntlet.workqueue.models import Assignment

from ..models import LedgerKind
from ..selectors import ledger_list, ledger_totals
from ..services import adjustment_create, assignment_pay_rejected, bonus_grant
from .common import LedgerEntryOutputSerializer, contractor_or_400, money_field, queue_or_400


class LedgerCurrencyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = money_field()
    entries = serializers.IntegerField()


class LedgerKindTotalSerializer(LedgerCurrencyTotalSerializer):
    kind = serializers.CharField()


class LedgerTotalsSerializer(serializers.Serializer):
    by_currency = LedgerCurrencyTotalSerializer(many=True)
    by_kind = LedgerKindTotalSerializer(many=True)


class LedgerListApi(APIView):
    """GET /api/v1/ledger/: entries (newest first, paginated) and the totals of the whole filtered query."""

    permission_classes = (IsManager,)

    class FilterSerializer(serializers.Serializer):
        contractor = serializers.IntegerField(required=False, min_value=1)
        queue = serializers.IntegerField(required=False, min_value=1)
        kind = serializers.ChoiceField(choices=LedgerKind.choices, required=False)

        def get_fields(self) -> dict[str, serializers.Field]:
            fields = super().get_fields()
            # "from"/"to" are Python keywords, hence added here rather than as attributes.
            fields["from"] = serializers.DateTimeField(
                required=False, help_text="Created at or after (inclusive)."
            )
            fields["to"] = serializers.DateTimeField(required=False, help_text="Created before (exclusive).")
            return fields

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if attrs.get("from") and attrs.get("to") and attrs["from"] >= attrs["to"]:
                raise serializers.ValidationError({"to": ["Must be after 'from'."]})
            return attrs

    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        next = serializers.CharField(allow_null=True)
        previous = serializers.CharField(allow_null=True)
        results = LedgerEntryOutputSerializer(many=True)
        totals = LedgerTotalsSerializer()

    @extend_schema(parameters=[FilterSerializer], responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        qs = ledger_list(
            contractor_id=f.get("contractor"),
            queue_id=f.get("queue"),
            kind=f.get("kind"),
            created_from=f.get("from"),
            created_to=f.get("to"),
        )
        totals = ledger_totals(qs)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        response = paginator.get_paginated_response(LedgerEntryOutputSerializer(page, many=True).data)
        response.data["totals"] = LedgerTotalsSerializer(totals).data
        return response


class BonusCreateApi(APIView):
    """POST /api/v1/bonuses/: a manager's manual bonus. With ``reference``, a retry pays once."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        contractor = serializers.IntegerField(min_value=1)
        amount = serializers.DecimalField(max_digits=12, decimal_places=4)
        reason = serializers.CharField(max_length=2000)
        queue = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
        currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False)

    @extend_schema(request=InputSerializer, responses={201: LedgerEntryOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        entry = bonus_grant(
            contractor=contractor_or_400(d["contractor"]),
            amount=d["amount"],
            reason=d["reason"],
            created_by=request.user,  # type: ignore[arg-type]
            queue=queue_or_400(d.get("queue")),
            reference=d.get("reference"),
            currency=d.get("currency"),
        )
        return Response(LedgerEntryOutputSerializer(entry).data, status=status.HTTP_201_CREATED)


class AdjustmentCreateApi(APIView):
    """POST /api/v1/adjustments/: a correction (positive or negative), always a new entry."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        contractor = serializers.IntegerField(min_value=1)
        amount = serializers.DecimalField(max_digits=12, decimal_places=4)
        reason = serializers.CharField(max_length=2000)
        queue = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        assignment = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
        currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False)

    @extend_schema(request=InputSerializer, responses={201: LedgerEntryOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        assignment = None
        if d.get("assignment") is not None:
            assignment = Assignment.objects.select_related("queue").filter(pk=d["assignment"]).first()
            if assignment is None:
                raise ApiError(
                    "validation_error", "No such assignment.", fields={"assignment": ["No such assignment."]}
                )
        entry = adjustment_create(
            contractor=contractor_or_400(d["contractor"]),
            amount=d["amount"],
            reason=d["reason"],
            created_by=request.user,  # type: ignore[arg-type]
            currency=d.get("currency"),
            queue=queue_or_400(d.get("queue")),
            assignment=assignment,
            reference=d.get("reference"),
        )
        return Response(LedgerEntryOutputSerializer(entry).data, status=status.HTTP_201_CREATED)


class AssignmentPayRejectedApi(APIView):
    """POST /api/v1/ledger/pay-rejected/: pay a rejected assignment anyway (once), with a reason."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        assignment = serializers.IntegerField(min_value=1)
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses={200: LedgerEntryOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = Assignment.objects.filter(pk=data.validated_data["assignment"]).first()
        if assignment is None:
            raise ApiError(
                "validation_error", "No such assignment.", fields={"assignment": ["No such assignment."]}
            )
        entry = assignment_pay_rejected(
            assignment=assignment,
            by=request.user,  # type: ignore[arg-type]
            reason=data.validated_data["reason"],
        )
        if entry is None:
            raise ApiError(
                "nothing_to_pay", "This assignment's queue pays nothing for it.", status.HTTP_409_CONFLICT
            )
        return Response(LedgerEntryOutputSerializer(entry).data)
