from django.apps import AppConfig


class LabelingConfig(AppConfig):
    name = "labeling"
    verbose_name = "Labeling"

    def ready(self) -> None:
        from celery.signals import worker_init

        worker_init.connect(crowdkit_preload, weak=False, dispatch_uid="labeling.preload_crowdkit")

        from gauntlet.workqueue import registry
        from labeling.kinds import ExampleInjuryLabelKind, QualityComparisonKind

        registry.register_kind(ExampleInjuryLabelKind())
        registry.register_kind(QualityComparisonKind())

        from gauntlet.web import nav

        nav.register_link(
            nav.NavLink(label="Upload", url_name="labeling_manage:upload", audience=nav.MANAGER, order=5)
        )


def crowdkit_preload(**_: object) -> None:
    """crowd-kit (and the pandas and scipy under it) load in a worker's main process, before it forks:
    2-4 s of imports that otherwise fell on each worker process's first Dawid-Skene refit. Not at the
    tasks module's import: a web process imports every tasks module on its first task send."""
    import crowdkit.aggregation  # noqa: F401
