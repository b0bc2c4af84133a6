from django.apps import AppConfig


class AgreementConfig(AppConfig):
    """Multi-rater agreement and consensus: pure statistics, no models, no database."""

    name = "gauntlet.agreement"
    label = "agreement"
    verbose_name = "Agreement"
