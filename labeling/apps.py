from django.apps import AppConfig


class LabelingConfig(AppConfig):
    name = "labeling"
    verbose_name = "Labeling"

    def ready(self) -> None:
        from gauntlet.workqueue import registry
        from labeling.kinds import ExampleInjuryLabelKind, QualityComparisonKind

        registry.register_kind(ExampleInjuryLabelKind())
        registry.register_kind(QualityComparisonKind())

        from gauntlet.web import nav

        nav.register_link(
            nav.NavLink(label="Upload", url_name="labeling_manage:upload", audience=nav.MANAGER, order=5)
        )
