"""Manager pages of reliability (included under /manage/ as ``ml_worker_reliability``)."""

from django.urls import path

from ml_worker.views import reliability

app_name = "ml_worker_reliability"
urlpatterns = [
    path("classifiers/<int:version_id>/reliability/", reliability.reliability_page, name="version"),
    path(
        "classifiers/<int:version_id>/reliability/<slug:name>.png", reliability.reliability_plot, name="plot"
    ),
    path("classifiers/<int:version_id>/reliability/sweep/", reliability.reliability_sweep, name="sweep"),
    path("classifiers/<int:version_id>/reliability/propose/", reliability.threshold_propose, name="propose"),
    path(
        "threshold-decisions/<int:decision_id>/<slug:verdict>/", reliability.threshold_decide, name="decide"
    ),
]
