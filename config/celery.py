"""The Celery application. All settings are the CELERY_* names in config/settings.

DjangoTask gives every task `delay_on_commit()`, so work is enqueued only once the
transaction that asked for it has committed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# Each worker process is one unit of parallelism; BLAS threads inside it only contend with
# the other processes (per-series statsmodels fits ran 4-5x slower with them on 2 cores).
# Set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

app = Celery("pharmastock", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
