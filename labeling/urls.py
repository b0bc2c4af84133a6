from django.urls import URLPattern, URLResolver, path

from labeling.apis.adjudication import AdjudicationDecideApi, AdjudicationListApi
from labeling.apis.examples import ExampleImportApi
from labeling.apis.import_jobs import ImportJobDetailApi, ImportJobStartApi
from labeling.apis.queues import (
    QueueAgreementApi,
    QueueComparisonSummaryApi,
    QueueConsensusListApi,
    QueueConsensusRecomputeApi,
    QueueDatasetExportApi,
)
from labeling.apis.raters import RaterAuditApi, RaterBlockApi, RaterProbationApi

urlpatterns: list[URLPattern | URLResolver] = [
    path("examples/import/", ExampleImportApi.as_view(), name="example-import"),
    path("examples/import-jobs/", ImportJobStartApi.as_view(), name="import-job-start"),
    path("examples/import-jobs/<int:job_id>/", ImportJobDetailApi.as_view(), name="import-job-detail"),
    path("adjudications/", AdjudicationListApi.as_view(), name="adjudication-list"),
    path("adjudications/<int:consensus_id>/", AdjudicationDecideApi.as_view(), name="adjudication-decide"),
    path("queues/<int:queue_id>/agreement/", QueueAgreementApi.as_view(), name="queue-agreement"),
    path("queues/<int:queue_id>/consensus/", QueueConsensusListApi.as_view(), name="queue-consensus"),
    path(
        "queues/<int:queue_id>/consensus/recompute/",
        QueueConsensusRecomputeApi.as_view(),
        name="queue-consensus-recompute",
    ),
    path(
        "queues/<int:queue_id>/comparisons/summary/",
        QueueComparisonSummaryApi.as_view(),
        name="queue-comparison-summary",
    ),
    path("queues/<int:queue_id>/export/", QueueDatasetExportApi.as_view(), name="queue-dataset-export"),
    path("raters/<int:rater_id>/audit/", RaterAuditApi.as_view(), name="rater-audit"),
    path("raters/<int:rater_id>/probation/", RaterProbationApi.as_view(), name="rater-probation"),
    path("raters/<int:rater_id>/block/", RaterBlockApi.as_view(), name="rater-block"),
]
