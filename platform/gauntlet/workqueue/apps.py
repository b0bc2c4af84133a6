from django.apps import AppConfig


class WorkqueueConfig(AppConfig):
    name = "gauntlet.workqueue"
    label = "workqueue"
    verbose_name = "Work queues"
