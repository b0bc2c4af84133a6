"""Manager pages of the work queue (included under /manage/)."""

from django.urls import path

from gauntlet.workqueue.views import manage_queues, manage_review

app_name = "workqueue_manage"
urlpatterns = [
    path("queues/", manage_queues.queue_list_page, name="queues"),
    path("queues/new/", manage_queues.queue_create_page, name="queue-create"),
    path("queues/<int:queue_id>/", manage_queues.queue_detail_page, name="queue-detail"),
    path("queues/<int:queue_id>/edit/", manage_queues.queue_edit_page, name="queue-edit"),
    *[
        path(
            f"queues/<int:queue_id>/{action}/",
            manage_queues.queue_state_change,
            {"action": action},
            name=f"queue-{action}",
        )
        for action in ("open", "pause", "close")
    ],
    path("review/", manage_review.review_page, name="review"),
    path("review/decide/", manage_review.review_submit, name="review-submit"),
]
