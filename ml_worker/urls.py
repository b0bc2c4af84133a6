from django.urls import URLPattern, URLResolver, path

from ml_worker import apis, example_apis
from ml_worker.reliability import urls as reliability_urls

urlpatterns: list[URLPattern | URLResolver] = [
    path("examples/", example_apis.ExampleListApi.as_view(), name="example-list"),
    path(
        "queues/<int:queue_id>/items/from-selection/",
        example_apis.QueueItemsFromSelectionApi.as_view(),
        name="queue-items-from-selection",
    ),
    path("score/", apis.LiveScoreApi.as_view(), name="live-score"),
    path("saliency/", apis.LiveSaliencyApi.as_view(), name="live-saliency"),
    path("substitutions/", apis.LiveSubstitutionsApi.as_view(), name="live-substitutions"),
    path("classifiers/", apis.ClassifierListApi.as_view(), name="classifier-list"),
    path("classifiers/compare/", apis.ClassifierCompareApi.as_view(), name="classifier-compare"),
    path("classifiers/<int:version_id>/", apis.ClassifierDetailApi.as_view(), name="classifier-detail"),
    path(
        "classifiers/<int:version_id>/promote/",
        apis.ClassifierPromoteApi.as_view(),
        name="classifier-promote",
    ),
    path(
        "classifiers/<int:version_id>/threshold/",
        apis.ClassifierThresholdApi.as_view(),
        name="classifier-threshold",
    ),
    path("training-runs/", apis.TrainingRunCreateApi.as_view(), name="training-run-create"),
    path("training-runs/<int:run_id>/", apis.TrainingRunDetailApi.as_view(), name="training-run-detail"),
]

# Reliability: generation batches, test sets, sweeps, quality comparisons, threshold decisions.
urlpatterns += reliability_urls.urlpatterns
