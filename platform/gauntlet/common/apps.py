from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "gauntlet.common"
    label = "common"
    verbose_name = "Common"
