from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gauntlet.accounts"
    label = "accounts"
    verbose_name = "Accounts"
