"""Soak: minutes of mixed traffic against the real service, then proof that nothing was lost.

    .venv/bin/python bench/soak.py                 # SQLite, 5 minutes
    .venv/bin/python bench/soak.py --postgres      # PostgreSQL + Redis
    make soak

wrk drives reads, posts and votes (bench/soak.lua) at the highest rate the connections
sustain; worker memory is sampled every 10 s. At the end the stored comment count and vote
totals must equal the writes the service acknowledged, with zero 5xx. Loads go to 127.0.0.1
only and stop after --duration seconds.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))

from bench import seed as seeding  # noqa: E402
from bench.run import Database  # noqa: E402
from bench.run import Gunicorn  # noqa: E402
from bench.run import check_redis  # noqa: E402
from bench.run import ensure_wrk  # noqa: E402
from bench.run import list_path  # noqa: E402
from bench.run import parse_args as bench_args  # noqa: E402

SOAK_PAGE = f"{seeding.ORIGIN}/articles/soak"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=300, help="seconds of load")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", action="store_true")
    own, rest = parser.parse_known_args(argv)
    args = bench_args(rest + ["--workers", str(own.workers)])
    args.postgres, args.soak_duration, args.soak_connections = (
        own.postgres, own.duration, own.connections)
    return args


def sample_rss(server, stop, samples):
    """Current RSS (VmRSS, MiB) summed over the workers, every 10 s."""
    while not stop.wait(10):
        total = 0
        for pid in server.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        samples.append(round(total, 1))


def stored_totals(app, hot_ids):
    from sqlalchemy import func
    from sqlalchemy import select

    from commentsvc.extensions import db
    from commentsvc.models import Comment
    from commentsvc.models import Thread
    from commentsvc.services.threads import page_key

    with app.app_context():
        thread = db.session.execute(select(Thread).where(
            Thread.page_key == page_key(SOAK_PAGE))).scalar_one_or_none()
        comments = db.session.scalar(select(func.count()).where(
            Comment.thread_id == thread.id)) if thread else 0
        counted = thread.comment_count if thread else 0
        up = db.session.scalar(select(func.sum(Comment.up)).where(Comment.id.in_(hot_ids)))
        return comments, counted, up or 0


def main(argv=None):
    args = parse_args(argv)
    ensure_wrk()
    if args.postgres:
        check_redis(args.redis_url)
    tmp = Path(tempfile.mkdtemp(prefix="commentsvc-soak-"))
    database = Database(args, tmp)
    server = None
    try:
        env = database.env()
        import os

        os.environ.update({k: v for k, v in env.items() if k.startswith("COMMENTSVC_")})
        from commentsvc import create_app

        app = create_app({"RATELIMIT_ENABLED": False})
        seeding.migrate(app)
        info = seeding.seed(app, big=2000)
        _, _, up_before = stored_totals(app, info.hot_comment_ids)

        server = Gunicorn("wsgi:app", env, args, tmp / "service.log")
        server.wait_ready("/healthz")
        post_path = "/api/comments?" + urllib.parse.urlencode(
            {"site": seeding.SITE, "url": SOAK_PAGE})
        stop, samples = threading.Event(), []
        sampler = threading.Thread(target=sample_rss, args=(server, stop, samples), daemon=True)
        sampler.start()
        print(f"soak: {args.soak_duration} s, {args.soak_connections} connections, "
              f"{'PostgreSQL + Redis' if args.postgres else 'SQLite'}, "
              f"gunicorn {args.workers} workers", flush=True)
        command = ["wrk", "-t1", f"-c{args.soak_connections}", f"-d{args.soak_duration}s",
                   "--timeout", "10s", "-s", str(BENCH_DIR / "soak.lua"), server.base + "/",
                   "--", list_path(seeding.SMALL_PAGE), post_path, seeding.ORIGIN,
                   uuid.uuid4().hex[:12], *map(str, info.hot_comment_ids)]
        completed = subprocess.run(command, capture_output=True, text=True,
                                   timeout=args.soak_duration + 120)
        if completed.returncode:
            raise RuntimeError(f"wrk failed: {completed.stderr or completed.stdout}")
        output = completed.stdout
        stop.set()
        result = json.loads(next(line for line in output.splitlines()
                                 if line.startswith("SOAK_RESULT ")).split(" ", 1)[1])
        time.sleep(1)
        comments, counted, up_after = stored_totals(app, info.hot_comment_ids)
        seconds = result["duration_us"] / 1e6
        votes_stored = up_after - up_before
        print(f"requests: {result['requests']} in {seconds:.0f} s = "
              f"{result['requests'] / seconds:,.0f} req/s; p50 {result['p50_us'] / 1000:.1f} ms,"
              f" p99 {result['p99_us'] / 1000:.1f} ms")
        print(f"5xx: {result['status_5xx']}, 4xx: {result['status_4xx']}, "
              f"socket errors: {result['socket_errors']}")
        print(f"posts acknowledged {result['posted']}, stored {comments}, counted {counted}")
        print(f"votes acknowledged {result['voted']}, stored {votes_stored}")
        print(f"worker RSS (MiB, every 10 s): {samples}")
        grew = samples[-1] / samples[0] if len(samples) > 1 else 1.0
        # wrk stops without reading the answers still in flight (at most one per
        # connection): those writes are stored but were never acknowledged to it.
        in_flight = args.soak_connections

        def kept(acknowledged, stored):
            return acknowledged <= stored <= acknowledged + in_flight

        ok = (result["status_5xx"] == 0 and comments == counted
              and kept(result["posted"], comments) and kept(result["voted"], votes_stored)
              and grew < 1.25)
        print("soak:", "OK" if ok else "FAILED", f"(RSS end/start {grew:.2f})")
        return 0 if ok else 1
    finally:
        if server:
            server.stop()
        database.drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
