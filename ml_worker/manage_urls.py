"""Manager pages of ml_worker (included under /manage/)."""

from django.urls import path

from ml_worker.views import classifiers, examples

app_name = "ml_worker_manage"
urlpatterns = [
    path("data/examples/", examples.example_list, name="examples"),
    path("data/examples/queue/", examples.queue_from_selection, name="queue-from-selection"),
    path("classifiers/", classifiers.classifier_list, name="classifiers"),
    path("classifiers/train/", classifiers.training_run_start, name="training-start"),
    path("classifiers/runs/<int:run_id>/", classifiers.training_run_page, name="training-run"),
    path("classifiers/<int:version_id>/", classifiers.classifier_detail, name="classifier"),
    path("classifiers/<int:version_id>/promote/", classifiers.classifier_promote, name="classifier-promote"),
    path("classifiers/<int:version_id>/roc.svg", classifiers.classifier_roc_svg, name="classifier-roc"),
]
