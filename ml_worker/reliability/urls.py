from django.urls import URLPattern, path

from ml_worker.reliability import apis

urlpatterns: list[URLPattern] = [
    path("generation-batches/", apis.GenerationBatchCreateApi.as_view(), name="generation-batch-create"),
    path(
        "generation-batches/<int:batch_id>/", apis.GenerationBatchDetailApi.as_view(), name="generation-batch"
    ),
    path("evaluation-sets/test/", apis.TestSetCreateApi.as_view(), name="test-set-create"),
    path(
        "evaluation-sets/<int:set_id>/label-next/",
        apis.TestSetLabelNextApi.as_view(),
        name="test-set-label-next",
    ),
    path(
        "classifiers/<int:version_id>/reliability/",
        apis.ReliabilityApi.as_view(),
        name="classifier-reliability",
    ),
    path("classifiers/<int:version_id>/sweeps/", apis.SweepCreateApi.as_view(), name="classifier-sweep"),
    path(
        "classifiers/<int:version_id>/quality-comparisons/",
        apis.QualityComparisonsCreateApi.as_view(),
        name="classifier-quality-comparisons",
    ),
    path(
        "classifiers/<int:version_id>/threshold-decisions/",
        apis.ThresholdDecisionProposeApi.as_view(),
        name="threshold-decision-propose",
    ),
    path(
        "threshold-decisions/<int:decision_id>/approve/",
        apis.ThresholdDecisionDecideApi.as_view(),
        name="threshold-decision-approve",
    ),
    path(
        "threshold-decisions/<int:decision_id>/reject/",
        apis.ThresholdDecisionRejectApi.as_view(),
        name="threshold-decision-reject",
    ),
]
