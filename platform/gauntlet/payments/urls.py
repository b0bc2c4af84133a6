"""Payments endpoints under /api/v1/ (one URL per operation)."""

from django.urls import URLPattern, URLResolver, path

from .apis.cost import QueueCostApi
from .apis.earnings import MeEarningsApi
from .apis.ledger import AdjustmentCreateApi, AssignmentPayRejectedApi, BonusCreateApi, LedgerListApi
from .apis.payouts import (
    PayoutBatchCloseApi,
    PayoutBatchCsvApi,
    PayoutBatchDetailApi,
    PayoutBatchMarkPaidApi,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/earnings/", MeEarningsApi.as_view(), name="me-earnings"),
    path("ledger/", LedgerListApi.as_view(), name="ledger-list"),
    path("ledger/pay-rejected/", AssignmentPayRejectedApi.as_view(), name="ledger-pay-rejected"),
    path("bonuses/", BonusCreateApi.as_view(), name="bonus-create"),
    path("adjustments/", AdjustmentCreateApi.as_view(), name="adjustment-create"),
    path("queues/<int:queue_id>/cost/", QueueCostApi.as_view(), name="queue-cost"),
    path("payouts/", PayoutBatchCloseApi.as_view(), name="payout-batches"),
    path("payouts/<int:batch_id>/", PayoutBatchDetailApi.as_view(), name="payout-batch-detail"),
    path("payouts/<int:batch_id>/csv/", PayoutBatchCsvApi.as_view(), name="payout-batch-csv"),
    path(
        "payouts/<int:batch_id>/mark-paid/", PayoutBatchMarkPaidApi.as_view(), name="payout-batch-mark-paid"
    ),
]
