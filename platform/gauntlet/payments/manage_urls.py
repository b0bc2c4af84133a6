"""Manager pages of payments (included under /manage/)."""

from django.urls import path

from gauntlet.payments.views import manage

app_name = "payments_manage"
urlpatterns = [
    path("payments/", manage.payments_page, name="payments"),
    path("payments/close/", manage.payout_close, name="payout-close"),
    path("payments/<int:batch_id>/export.csv", manage.payout_export_csv, name="payout-csv"),
]
