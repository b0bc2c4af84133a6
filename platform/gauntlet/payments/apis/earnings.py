"""A contractor's own money."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.permissions import IsContractor

from ..selectors import contractor_earnings
from .common import money_field


class EarningsMoneySerializer(serializers.Serializer):
    currency = serializers.CharField()
    pending = money_field(help_text="Submitted work not yet reviewed, at what it would earn if approved.")
    approved = money_field(help_text="In the ledger, not yet in a paid payout batch.")
    paid = money_field(help_text="In a payout batch marked paid.")


class MeEarningsApi(APIView):
    """GET /api/v1/me/earnings/: the caller's pending, approved and paid money; per queue, per day (UTC)."""

    permission_classes = (IsContractor,)

    class OutputSerializer(serializers.Serializer):
        class QueueMoney(EarningsMoneySerializer):
            queue_id = serializers.IntegerField(
                allow_null=True, help_text="Null: bonuses/adjustments on no queue."
            )
            queue_name = serializers.CharField()

        class DayMoney(EarningsMoneySerializer):
            date = serializers.DateField()

        totals = EarningsMoneySerializer(many=True)
        by_queue = QueueMoney(many=True)
        by_day = DayMoney(many=True)

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(contractor_earnings(contractor=request.user)).data)  # type: ignore[arg-type]
