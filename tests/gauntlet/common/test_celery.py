"""A real worker process, fed through Redis, answers a task routed to the gpu queue."""

import ast
from pathlib import Path

import pytest

from gauntlet.celery import Queue, app

REPO = Path(__file__).resolve().parents[3]
# Options the app declares for every task (task_routes, task_acks_late, ...), never a task itself.
DECLARED_ONCE = {"queue", "acks_late", "reject_on_worker_lost", "exchange", "routing_key"}


def test_model_tasks_are_routed_to_the_gpu_queue_and_live_tools_to_live() -> None:
    for task in (
        "ml_worker.tasks.live_score",
        "ml_worker.tasks.live_saliency",
        "ml_worker.tasks.live_substitutions",
    ):
        assert app.amqp.router.route({}, task, args=(), kwargs={})["queue"].name == Queue.LIVE
    for task in ("ml_worker.tasks.score_unscored", "ml_worker.tasks.train_classifier"):
        assert app.amqp.router.route({}, task, args=(), kwargs={})["queue"].name == Queue.GPU
    assert app.amqp.router.route({}, "gauntlet.ping", args=(), kwargs={})["queue"].name == Queue.DEFAULT
    for task in ("attacks.tasks.run_paraphrase_batch", "attacks.tasks.refresh_adversarial_matrix"):
        assert app.amqp.router.route({}, task, args=(), kwargs={})["queue"].name == Queue.GPU
    sweep = app.amqp.router.route({}, "attacks.tasks.close_lapsed_rewrite_sessions", args=(), kwargs={})
    assert sweep["queue"].name == Queue.DEFAULT


def test_every_task_takes_its_queue_from_the_routes_and_never_retries_in_vain() -> None:
    app.loader.import_default_modules()
    tasks = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert "ml_worker.tasks.score_examples" in tasks and "gauntlet.ping" in tasks
    for name, task in tasks.items():
        assert "queue" not in type(task).__dict__, f"{name}: declare its queue in task_routes"
        assert task.acks_late and task.reject_on_worker_lost, name  # the app's defaults
        assert not getattr(task, "autoretry_for", ()), (
            f"{name}: retries declared but nothing here raises them"
        )


def test_no_task_repeats_the_apps_defaults_or_names_its_queue_in_the_source() -> None:
    repeated = []
    modules = [
        path
        for root in ("platform", "labeling", "attacks", "ml_worker")
        for path in (REPO / root).rglob("*.py")
    ]
    assert any(path.name == "tasks.py" for path in modules)
    for tasks_module in modules:
        for node in ast.walk(ast.parse(tasks_module.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("shared_task", "app.task"):
                repeated += [f"{tasks_module.name}: {k.arg}" for k in node.keywords if k.arg in DECLARED_ONCE]
    assert not repeated, f"declared once in gauntlet.celery (routes, defaults): {repeated}"


def test_broker_is_redis_with_a_visibility_timeout_above_the_longest_run(settings) -> None:
    assert app.conf.broker_url.startswith("redis://")
    assert app.conf.broker_transport_options["visibility_timeout"] > settings.CELERY_LONGEST_TASK_SECONDS
    assert app.conf.task_acks_late is True
    assert app.conf.accept_content == ["json"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_a_task_routed_to_gpu(celery_worker_process: object) -> None:
    from gauntlet.celery import gpu_ping

    result = gpu_ping.delay()
    answer = result.get(timeout=60)
    assert answer["queue"] == "gpu"
    assert answer["hostname"].startswith("test-")
