"""Contractor pages of the work queue (included under /work/)."""

from django.urls import path

from gauntlet.workqueue.views import work

app_name = "workqueue_web"
urlpatterns = [
    path("queues/<int:queue_id>/", work.queue_work, name="queue-work"),
    path("queues/<int:queue_id>/next/", work.queue_next, name="queue-next"),
    path("assignments/<int:assignment_id>/submit/", work.assignment_submit, name="assignment-submit"),
    path("assignments/<int:assignment_id>/release/", work.assignment_release, name="assignment-release"),
    path("standing/", work.standing, name="standing"),
]
