"""WSGI entry point (gunicorn gauntlet.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gauntlet.settings.base")
application = get_wsgi_application()
