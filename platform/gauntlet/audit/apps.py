from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "gauntlet.audit"
    label = "audit"
    verbose_name = "Audit"
