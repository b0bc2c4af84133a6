"""What a queue's data cost."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.permissions import IsManager
from gauntlet.workqueue.models import Queue

from ..selectors import queue_cost
from .common import money_field


class QueueCostApi(APIView):
    """GET /api/v1/queues/{id}/cost/: pay + bonuses ÷ output, in the queue's currency."""

    permission_classes = (IsManager,)

    class OutputSerializer(serializers.Serializer):
        queue_id = serializers.IntegerField()
        queue_name = serializers.CharField()
        currency = serializers.CharField()
        pay = money_field(help_text="Task pay, hourly pay and adjustments booked to the queue.")
        bonuses = money_field()
        total = money_field()
        judgments = serializers.IntegerField(help_text="Approved assignments.")
        consensus_labels = serializers.IntegerField(help_text="Items that received all their judgments.")
        cost_per_judgment = money_field(allow_null=True)
        cost_per_consensus_label = money_field(allow_null=True)
        active_minutes = money_field()
        active_minutes_per_judgment = money_field(allow_null=True)
        other_currency_entries = serializers.IntegerField(
            help_text="Entries in another currency, not summed."
        )

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, queue_id: int) -> Response:
        queue = get_object_or_404(Queue, pk=queue_id)
        return Response(self.OutputSerializer(queue_cost(queue=queue)).data)
