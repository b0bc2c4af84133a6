"""deploy/ cannot be run here (no Docker engine), so its files are validated."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_compose_has_every_service_wired_as_documented() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "minio", "web", "worker", "gpu-worker"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    worker_cmd, gpu_cmd = services["worker"]["command"], services["gpu-worker"]["command"]
    assert worker_cmd[worker_cmd.index("-Q") + 1] == "default"
    assert gpu_cmd[gpu_cmd.index("-Q") + 1] == "gpu"
    live_cmd = services["live-worker"]["command"]  # the live tools never wait behind gpu batch work
    assert live_cmd[live_cmd.index("-Q") + 1] == "live"
    # every queue a task can be routed to has a worker that consumes it
    from gauntlet.celery import Queue

    consumed = {
        name
        for service in services.values()
        if "worker" in service.get("command", [])
        for name in service["command"][service["command"].index("-Q") + 1].split(",")
    }
    assert consumed == {queue.value for queue in Queue}
    assert services["gpu-worker"]["runtime"] == "nvidia"
    for name in ("web", "worker", "background-worker", "gpu-worker", "live-worker"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["GAUNTLET_STORAGE"] == "s3"


def test_dockerfile_puts_the_source_root_on_pythonpath() -> None:
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert "PYTHONPATH=/app:/app/platform" in dockerfile
    assert "torch==${TORCH_VERSION}" in dockerfile
    assert "HF_HUB_OFFLINE=1" in dockerfile


def test_env_example_names_every_production_variable() -> None:
    names = {
        line.split("=", 1)[0]
        for line in (REPO / "deploy" / "env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert {
        "DJANGO_SECRET_KEY",
        "AWS_STORAGE_BUCKET_NAME",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    } <= names


def test_check_deploy_is_clean_under_a_production_environment() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GAUNTLET_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="gauntlet.settings.base",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/gauntlet",
        REDIS_URL="redis://127.0.0.1:6379/0",
        GAUNTLET_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="gauntlet",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        AWS_ACCESS_KEY_ID="k",
        AWS_SECRET_ACCESS_KEY="s",
        DJANGO_SECRET_KEY="x7#Qm2@Lp9!vR4$tZ8^wK1&nB6*cY3(hJ5)gF0_dS-aE+uI=oP",
        DJANGO_ALLOWED_HOSTS="gauntlet.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GAUNTLET_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="gauntlet.settings.base",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/gauntlet",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
