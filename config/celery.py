"""The Celery application. All settings are the CELERY_* names in config/settings.

DjangoTask gives every task `delay_on_commit()`, so work is enqueued only once the
transaction that asked for it has committed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("pharmastock", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
