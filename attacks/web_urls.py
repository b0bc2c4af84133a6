"""Contractor pages of the attacks app (included under /work/): home, the rewrite tool, your rewrites."""

from django.urls import path

from attacks.views import home, rewrite

app_name = "attacks_web"
urlpatterns = [
    path("", home.home, name="home"),
    path("rewrite/queues/<int:queue_id>/", rewrite.rewrite_start, name="rewrite-start"),
    path("rewrite/<int:session_id>/", rewrite.rewrite_session, name="rewrite-session"),
    path("rewrite/<int:session_id>/edit/", rewrite.rewrite_edit, name="rewrite-edit"),
    path("rewrite/<int:session_id>/undo/", rewrite.rewrite_undo, name="rewrite-undo"),
    path("rewrite/<int:session_id>/words/", rewrite.rewrite_words, name="rewrite-words"),
    path("rewrite/<int:session_id>/suggestions/", rewrite.rewrite_suggestions, name="rewrite-suggestions"),
    path("rewrite/<int:session_id>/submit/", rewrite.rewrite_submit, name="rewrite-submit"),
    path("rewrite/<int:session_id>/abandon/", rewrite.rewrite_abandon, name="rewrite-abandon"),
    path("rewrites/", rewrite.my_rewrites, name="my-rewrites"),
]
