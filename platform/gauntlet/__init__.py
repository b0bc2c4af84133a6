"""Gauntlet: adversarial training of high-stakes classifiers with human contractors.

The Celery app is exported here so that ``@shared_task`` binds to it whenever
Django starts (cookiecutter-django's convention).
"""

from gauntlet.celery import app as celery_app

__all__ = ["celery_app"]
