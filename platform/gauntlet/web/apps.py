from django.apps import AppConfig


class WebConfig(AppConfig):
    """The shared web layout: base template, CSS, small JS modules, navigation registry.

    Imports no app: apps register their links (:mod:`gauntlet.web.nav`) and pages extend
    ``web/base.html``.
    """

    name = "gauntlet.web"
    label = "web"
    verbose_name = "Web layout"
