"""Work-queue endpoints (included under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from gauntlet.workqueue.apis import contractor, manager

urlpatterns: list[URLPattern | URLResolver] = [
    # What contractors call all day first: Django tries the routes in order, and a claim or submit
    # that matched at the end of the list paid a dozen failed matches. Every route here is literal
    # segments and ints, no two alike, so no path matches two and the order changes nothing else
    # (tests/gauntlet/workqueue/test_url_order.py).
    path("queues/<int:queue_id>/claim/", contractor.QueueClaimApi.as_view(), name="queue-claim"),
    path(
        "assignments/<int:assignment_id>/heartbeat/",
        contractor.AssignmentHeartbeatApi.as_view(),
        name="assignment-heartbeat",
    ),
    path(
        "assignments/<int:assignment_id>/submit/",
        contractor.AssignmentSubmitApi.as_view(),
        name="assignment-submit",
    ),
    # managers
    path("queues/", manager.QueueListCreateApi.as_view(), name="queue-list-create"),
    path("queues/<int:queue_id>/", manager.QueueDetailApi.as_view(), name="queue-detail"),
    path("queues/<int:queue_id>/open/", manager.QueueOpenApi.as_view(), name="queue-open"),
    path("queues/<int:queue_id>/pause/", manager.QueuePauseApi.as_view(), name="queue-pause"),
    path("queues/<int:queue_id>/close/", manager.QueueCloseApi.as_view(), name="queue-close"),
    path("queues/<int:queue_id>/items/", manager.QueueItemsAddApi.as_view(), name="queue-items-add"),
    path("queues/<int:queue_id>/progress/", manager.QueueProgressApi.as_view(), name="queue-progress"),
    path("assignments/review/", manager.AssignmentReviewBulkApi.as_view(), name="assignment-review-bulk"),
    path(
        "assignments/<int:assignment_id>/approve/",
        manager.AssignmentApproveApi.as_view(),
        name="assignment-approve",
    ),
    path(
        "assignments/<int:assignment_id>/reject/",
        manager.AssignmentRejectApi.as_view(),
        name="assignment-reject",
    ),
    path(
        "contractors/<int:contractor_id>/block/",
        manager.ContractorBlockApi.as_view(),
        name="contractor-block",
    ),
    # contractors
    path(
        "assignments/<int:assignment_id>/release/",
        contractor.AssignmentReleaseApi.as_view(),
        name="assignment-release",
    ),
    path("me/queues/", contractor.MyQueuesApi.as_view(), name="my-queues"),
    path("me/assignments/", contractor.MyAssignmentsApi.as_view(), name="my-assignments"),
    path("me/history/", contractor.MyHistoryApi.as_view(), name="my-history"),
]
