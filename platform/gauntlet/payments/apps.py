from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "gauntlet.payments"
    label = "payments"
    verbose_name = "Payments"
