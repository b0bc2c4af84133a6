"""HTTP interface of payments: one view per operation (see ``gauntlet/payments/urls.py``)."""
