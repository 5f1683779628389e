import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cissapi.settings")

# Django's handler loads the settings; the early layer in front reads them.
django_application = get_wsgi_application()

from cissapi.early_hits import EarlyHitApp  # noqa: E402  (needs the settings configured above)

# Early cache hits answered before Django's handler (issue 16; cissapi/early_hits.py).
application = EarlyHitApp(django_application)
