from django.urls import URLPattern, URLResolver, path

from attacks.apis import attack_batches, manage, rewrite

urlpatterns: list[URLPattern | URLResolver] = [
    path("rewrite-sessions/", rewrite.RewriteSessionStartApi.as_view(), name="rewrite-session-start"),
    path(
        "rewrite-sessions/<int:session_id>/",
        rewrite.RewriteSessionDetailApi.as_view(),
        name="rewrite-session",
    ),
    path(
        "rewrite-sessions/<int:session_id>/edits/",
        rewrite.RewriteEditCreateApi.as_view(),
        name="rewrite-edit",
    ),
    path(
        "rewrite-sessions/<int:session_id>/saliency/",
        rewrite.RewriteSaliencyApi.as_view(),
        name="rewrite-saliency",
    ),
    path(
        "rewrite-sessions/<int:session_id>/substitutions/",
        rewrite.RewriteSubstitutionsApi.as_view(),
        name="rewrite-substitutions",
    ),
    path(
        "rewrite-sessions/<int:session_id>/submit/", rewrite.RewriteSubmitApi.as_view(), name="rewrite-submit"
    ),
    path(
        "rewrite-sessions/<int:session_id>/abandon/",
        rewrite.RewriteAbandonApi.as_view(),
        name="rewrite-abandon",
    ),
    path("me/rewrites/", rewrite.MyRewritesListApi.as_view(), name="my-rewrites"),
    path("adversarial-examples/", manage.AdversarialExampleListApi.as_view(), name="adversarial-examples"),
    path("attacks/matrix/", manage.AdversarialMatrixApi.as_view(), name="adversarial-matrix"),
    path(
        "attacks/matrix/refresh/",
        manage.AdversarialMatrixRefreshApi.as_view(),
        name="adversarial-matrix-refresh",
    ),
    path("attacks/cost/", manage.AttackCostApi.as_view(), name="attack-cost"),
    path("paraphrase-batches/", manage.ParaphraseBatchCreateApi.as_view(), name="paraphrase-batches"),
    path(
        "paraphrase-batches/<int:batch_id>/",
        manage.ParaphraseBatchDetailApi.as_view(),
        name="paraphrase-batch",
    ),
    path("attack-batches/", attack_batches.AttackBatchCreateApi.as_view(), name="attack-batches"),
    path(
        "attack-batches/<int:batch_id>/",
        attack_batches.AttackBatchDetailApi.as_view(),
        name="attack-batch",
    ),
]
