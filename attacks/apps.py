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

        from gauntlet.web import nav

        # The contractor's pages: "/" sends contractors to their home (attacks.views.home).
        nav.register_home(role=nav.CONTRACTOR, url_name="attacks_web:home")
        nav.register_link(
            nav.NavLink(label="Work", url_name="attacks_web:home", audience=nav.CONTRACTOR, order=0)
        )
        nav.register_link(
            nav.NavLink(
                label="Rewrites", url_name="attacks_web:my-rewrites", audience=nav.CONTRACTOR, order=20
            )
        )
        nav.register_link(
            nav.NavLink(label="Earnings", url_name="payments_web:earnings", audience=nav.CONTRACTOR, order=30)
        )
        nav.register_link(
            nav.NavLink(label="Attacks", url_name="attacks_manage:attacks", audience=nav.MANAGER, order=60)
        )
