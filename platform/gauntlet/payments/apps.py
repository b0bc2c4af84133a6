from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "gauntlet.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from gauntlet.workqueue import registry

        from .services import pay_on_review

        # Approved work is paid inside the reviewing transaction, once per assignment.
        registry.on_assignment_reviewed(pay_on_review)
