from django.apps import AppConfig


class MlWorkerConfig(AppConfig):
    name = "ml_worker"
    verbose_name = "Classifiers"
