"""The web layout's own URL: ``/`` (each app includes its pages' URLs itself)."""

from django.urls import path

from gauntlet.web import views

app_name = "web"
urlpatterns = [path("", views.root, name="root")]
