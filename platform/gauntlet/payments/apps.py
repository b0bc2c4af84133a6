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

        from gauntlet.web import nav

        nav.register_link(
            nav.NavLink(label="Payments", url_name="payments_manage:payments", audience=nav.MANAGER, order=70)
        )
