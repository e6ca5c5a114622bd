"""WSGI entry of the stand-alone sandbox service (see ``sharing.sandbox.service_settings``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharing.sandbox.service_settings")
application = get_wsgi_application()
