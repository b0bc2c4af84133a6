from django.apps import AppConfig


class AttacksConfig(AppConfig):
    name = "attacks"
    label = "attacks"
    verbose_name = "Attacks"

    def ready(self) -> None:
        from attacks.kinds import RewriteKind, VerificationKind
        from gauntlet.workqueue import registry

        registry.register_kind(RewriteKind())
        registry.register_kind(VerificationKind())
