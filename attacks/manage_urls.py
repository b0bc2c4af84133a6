"""Manager pages of attacks (included under /manage/)."""

from django.urls import path

from attacks.views import manage

app_name = "attacks_manage"
urlpatterns = [
    path("attacks/", manage.attacks_page, name="attacks"),
    path("attacks/cost.png", manage.cost_plot_png, name="cost-plot"),
    path("attacks/matrix.svg", manage.matrix_svg, name="matrix"),
    path("attacks/examples/", manage.registry_page, name="registry"),
    path(
        "attacks/examples/<int:adversarial_id>/", manage.adversarial_example_page, name="adversarial-example"
    ),
    path("attacks/paraphrases/new/", manage.paraphrase_batch_launch, name="paraphrase-launch"),
    path("attacks/paraphrases/<int:batch_id>/", manage.paraphrase_batch_page, name="paraphrase-batch"),
]
