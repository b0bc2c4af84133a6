"""Manager pages of labeling (included under /manage/)."""

from django.urls import path

from labeling.views import adjudication, agreement, data

app_name = "labeling_manage"
urlpatterns = [
    path("data/upload/", data.data_upload, name="upload"),
    path("data/imports/<int:job_id>/", data.import_job_page, name="import-job"),
    path("queues/<int:queue_id>/agreement/", agreement.queue_agreement_page, name="queue-agreement"),
    path(
        "queues/<int:queue_id>/agreement/confusion.svg", agreement.queue_confusion_svg, name="queue-confusion"
    ),
    path("queues/<int:queue_id>/adjudication/", adjudication.adjudication_page, name="adjudication"),
    path(
        "adjudications/<int:consensus_id>/decide/",
        adjudication.adjudication_decide,
        name="adjudication-decide",
    ),
    path("raters/<int:rater_id>/", agreement.rater_audit_page, name="rater-audit"),
    path(
        "raters/<int:rater_id>/probation/",
        agreement.rater_standing_change,
        {"action": "probation"},
        name="rater-probation",
    ),
    path(
        "raters/<int:rater_id>/block/",
        agreement.rater_standing_change,
        {"action": "block"},
        name="rater-block",
    ),
]
