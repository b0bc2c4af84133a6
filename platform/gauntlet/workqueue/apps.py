from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_claim_function(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from gauntlet.workqueue.services import claim_function

    claim_function.install(using=using)


class WorkqueueConfig(AppConfig):
    name = "gauntlet.workqueue"
    label = "workqueue"
    verbose_name = "Work queues"

    def ready(self) -> None:
        # The claim function is built from this code's statements: every migrate
        # installs the version this code calls (see services/claim_function.py).
        post_migrate.connect(_install_claim_function, sender=self)
        from gauntlet.web import nav

        # Managers land on their queues; Review is the bulk approve/reject page.
        nav.register_home(role=nav.MANAGER, url_name="workqueue_manage:queues")
        for label, url_name, order in (
            ("Queues", "workqueue_manage:queues", 20),
            ("Review", "workqueue_manage:review", 30),
        ):
            nav.register_link(nav.NavLink(label=label, url_name=url_name, audience=nav.MANAGER, order=order))
        from gauntlet.accounts import standing
        from gauntlet.workqueue.services import contractor_leases_release

        # Blocked means blocked, whichever way (admin, API, rater block): open leases go back.
        standing.on_work_stopped(contractor_leases_release)
