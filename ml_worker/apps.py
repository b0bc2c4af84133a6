from django.apps import AppConfig


class MlWorkerConfig(AppConfig):
    name = "ml_worker"
    verbose_name = "Classifiers"

    def ready(self) -> None:
        from celery.signals import worker_process_init

        from ml_worker import runtime

        worker_process_init.connect(
            runtime.reset_after_fork, weak=False, dispatch_uid="ml_worker.reset_after_fork"
        )
        from gauntlet.web import nav

        for label, url_name, order in (
            ("Data", "ml_worker_manage:examples", 10),
            ("Classifiers", "ml_worker_manage:classifiers", 50),
        ):
            nav.register_link(nav.NavLink(label=label, url_name=url_name, audience=nav.MANAGER, order=order))
