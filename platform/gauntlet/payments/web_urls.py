"""Contractor pages of payments (included under /work/)."""

from django.urls import path

from gauntlet.payments.views import earnings

app_name = "payments_web"
urlpatterns = [path("earnings/", earnings.earnings, name="earnings")]
