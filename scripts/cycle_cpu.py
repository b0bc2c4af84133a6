"""CPU per claim and per submit in the web process: the bench cycle loop without HTTP or load.

``bench cycle`` measures wall-clock throughput, which on shared cores says as much about the other
processes as about Gauntlet. This drives the same loop (the same world: ``labeling.cycle_bench``'s
fill, one overlap-1 and one overlap-3 injury-label queue, token-only contractors) through the WSGI
application in one process, with production settings on a scratch database, and reports the CPU
time (``time.process_time``) each request costs the web process: the figure that decides how many
cycles two cores can serve. With ``--profile FILE`` it also writes a cProfile (CPU timer) of an
overlap-1 run.

    DJANGO_SETTINGS_MODULE=gauntlet.settings.test .venv/bin/python scripts/cycle_cpu.py [--profile FILE]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "platform")]

LABELS = ("injurious", "not_injurious", "unsure")


def _call(app: Any, method: str, path: str, token: str, body: bytes = b"") -> Any:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_AUTHORIZATION": f"Token {token}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    answer = app(environ, lambda line, headers, exc_info=None: status.append(line))
    data = b"".join(answer)
    answer.close()
    if not status[0].startswith("200"):
        raise RuntimeError(f"{method} {path} answered {status[0]}: {data[:300]!r}")
    return json.loads(data)


def _cycles(app: Any, setup: dict[str, Any], overlap: int, count: int) -> tuple[list[float], list[float]]:
    import time

    queue_id, tokens = setup["queues"][overlap], setup["tokens"]
    claim_ms: list[float] = []
    submit_ms: list[float] = []
    for n in range(count):
        token = tokens[n % len(tokens)]
        t0 = time.process_time()
        claimed = _call(app, "POST", f"/api/v1/queues/{queue_id}/claim/", token)
        t1 = time.process_time()
        body = json.dumps({"label": LABELS[n % 3]}).encode()
        _call(app, "POST", f"/api/v1/assignments/{claimed['assignment']['id']}/submit/", token, body)
        t2 = time.process_time()
        claim_ms.append((t1 - t0) * 1000)
        submit_ms.append((t2 - t1) * 1000)
    return claim_ms, submit_ms


def _measure(database_url: str, items: int, count: int, profile: str | None, results: Any) -> None:
    """In the scratch database's child: fill, warm up, measure both overlaps (and profile)."""
    import cProfile
    import time

    from gauntlet.workqueue.claim_bench.clients import _django_for
    from labeling.cycle_bench.clients import fill

    _django_for(database_url)
    from django.core.wsgi import get_wsgi_application

    class _One:
        value: Any = None

        def put(self, value: Any) -> None:
            self.value = value

    filled = _One()
    fill(database_url, items, 8, [1, 3], filled)
    setup = filled.value
    app = get_wsgi_application()
    for token in setup["tokens"]:
        _call(app, "GET", "/api/v1/me/", token)
    figures: dict[str, Any] = {}
    for overlap in (1, 3):
        _cycles(app, setup, overlap, 40)  # warm: prepared statements, the kind, the URL resolver
        claim_ms, submit_ms = _cycles(app, setup, overlap, count)
        suffix = "" if overlap == 1 else "_overlap3"
        figures[f"claim_cpu_ms{suffix}"] = round(sum(claim_ms) / count, 2)
        figures[f"submit_cpu_ms{suffix}"] = round(sum(submit_ms) / count, 2)
    if profile:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        _cycles(app, setup, 1, count)
        profiler.disable()
        profiler.dump_stats(profile)
    results.put(figures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=4000)
    parser.add_argument("--cycles", type=int, default=400, help="measured cycles per overlap")
    parser.add_argument("--profile", help="write a cProfile of an overlap-1 run here")
    args = parser.parse_args()
    if args.cycles * 3 + 80 > args.items:
        parser.error("--items must hold every measured and warm-up cycle")
    import django

    django.setup()
    from gauntlet.workqueue.claim_bench import in_child, scratch_database

    with scratch_database("cpu") as (database_url, _env, ctx):
        figures = in_child(ctx, _measure, database_url, args.items, args.cycles, args.profile)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
