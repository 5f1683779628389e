import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cissapi.settings")

# Django's handler loads the settings; the early layer in front reads them.
django_application = get_wsgi_application()

from cissapi.early_hits import EarlyHitApp  # noqa: E402  (needs the settings configured above)

# Early cache hits answered before Django's handler (issue 16; cissapi/early_hits.py).
application = EarlyHitApp(django_application)

# Optimization (issue 16): the objects loaded so far (Django, DRF, the apps, the URLconf and the views it
# imports: ~130,000) live as long as the process, yet every full garbage collection walked them all, a pause
# of 60-140 ms for every thread of the worker about once in 1,500 requests. Frozen, a full collection walks
# only what requests made since. The URLconf is loaded first so its modules are among them.
get_resolver().url_patterns  # noqa: B018  (imports the URLconf and its views)
gc.freeze()
