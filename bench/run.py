"""Load benchmark: the real service under gunicorn, loaded by wrk, compared with a ceiling.

    make bench                          # SQLite, 2 gunicorn workers, 10 s per case
    make bench BENCH_ARGS=--postgres    # PostgreSQL + Redis rate-limit storage

Every load goes to 127.0.0.1 only and every case is bounded in time (``--duration``).
See README.md, "Performance", for what each case means and the latest table.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(REPO))

from bench import seed as seeding  # noqa: E402

SECRET = "bench-secret-key-not-for-production"
# Raised so that one load generator on one IP is never limited, while every request still
# goes through the limiter and its storage. Per-second windows keep the storage's
# per-key lists as short as a real client's.
RAISED_LIMITS = {
    "COMMENTSVC_RATELIMIT_POST": "100000/second",
    "COMMENTSVC_RATELIMIT_VOTE": "100000/second",
    "COMMENTSVC_RATELIMIT_READ": "100000/second",
}
TARGETS = {"case1": 0.5, "case2": 0.8, "deep": 1.3, "post_p99_ms": 50.0}


@dataclass
class Case:
    key: str
    label: str
    path: str
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    script: str = "get.lua"
    script_args: list = field(default_factory=list)
    expect: int = 200
    body: bytes | None = None


@dataclass
class Result:
    case: Case
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    cpu_ms: float = 0.0
    target: str = ""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true",
                        help="PostgreSQL + Redis rate-limit storage instead of SQLite")
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="server to create the throw-away bench database on")
    parser.add_argument("--redis-url", default=os.environ.get(
        "BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--duration", type=int, default=10, help="seconds per case")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker (more than 1 selects the gthread worker)")
    parser.add_argument("--big", type=int, default=100_000, help="comments in the big thread")
    parser.add_argument("--no-ratelimit", action="store_true",
                        help="turn rate limiting off, to see what the limiter costs")
    parser.add_argument("--only", help="comma-separated case keys to run (e.g. case1,case2)")
    parser.add_argument("--json", dest="json_path", help="also write the results here")
    return parser.parse_args(argv)


# --- tools and processes ----------------------------------------------------------------


def ensure_wrk():
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        sys.exit("wrk is missing: install Debian's package (apt-get install wrk) and rerun.")
    print("installing wrk (Debian package)...", flush=True)
    subprocess.run(["apt-get", "update", "-q"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """A gunicorn master on 127.0.0.1 with the bench's worker settings."""

    def __init__(self, target, env, args, log_path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(args.workers),
            "--chdir", str(REPO),
            "--log-level", "warning",
            "--timeout", "60",
            "--no-control-socket",
        ]
        if args.threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(args.threads)]
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [*command, target], env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path="/", timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; "
                                   f"see {self.log.name}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=10):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout}s; see {self.log.name}")

    def worker_pids(self):
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self):
        """User + system CPU time the workers have used so far."""
        ticks = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self):
        """Peak resident set (VmHWM) of each worker, in MiB."""
        peaks = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return peaks

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# --- databases --------------------------------------------------------------------------


class Database:
    """A throw-away database: a SQLite file in the temp dir, or a fresh PostgreSQL database."""

    def __init__(self, args, tmp):
        self.args = args
        self.pg_name = None
        if args.postgres:
            self.pg_name = f"commentsvc_bench_{os.getpid()}"
            self._pg_admin(f'CREATE DATABASE "{self.pg_name}"')
            base = urllib.parse.urlsplit(args.pg_url)
            self.url = urllib.parse.urlunsplit(base._replace(path="/" + self.pg_name))
        else:
            self.url = f"sqlite:///{tmp / 'bench.sqlite3'}"

    def _pg_admin(self, statement):
        import psycopg

        with psycopg.connect(self.args.pg_url, autocommit=True) as connection:
            connection.execute(statement)

    def drop(self):
        if self.pg_name:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')

    def env(self):
        env = {
            **os.environ,
            "COMMENTSVC_DATABASE_URL": self.url,
            "COMMENTSVC_SECRET_KEY": SECRET,
            "COMMENTSVC_RATELIMIT_ENABLED": "0" if self.args.no_ratelimit else "1",
            **RAISED_LIMITS,
        }
        if self.args.postgres:
            env["COMMENTSVC_RATELIMIT_STORAGE_URI"] = self.args.redis_url
        else:
            env["COMMENTSVC_RATELIMIT_STORAGE_URI"] = "memory://"
        return env


def check_redis(url):
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as exc:
        sys.exit(f"Redis at {url} does not answer ({exc}); start it or pass --redis-url.")


# --- cases ------------------------------------------------------------------------------


def list_path(url, **params):
    query = {"site": seeding.SITE, "url": url, **params}
    return "/api/comments?" + urllib.parse.urlencode(query)


def build_cases(info):
    browser = {"Origin": seeding.ORIGIN, "Accept-Encoding": "gzip"}
    cases = [Case("case1", "1. list, 200-comment thread, first page", list_path(seeding.SMALL_PAGE),
                  headers=browser)]
    cases.append(Case("case2", "2. same, If-None-Match (304)", cases[0].path, headers=browser,
                      expect=304))
    for sort in seeding.SORTS:
        cases.append(Case(f"case3-{sort}-first", f"3. 100k thread, {sort}, first page",
                          list_path(seeding.BIG_PAGE, sort=sort), headers=browser))
        cases.append(Case(f"case3-{sort}-deep", f"3. 100k thread, {sort}, deep page (90%)",
                          list_path(seeding.BIG_PAGE, sort=sort,
                                    cursor=info.deep_cursors[sort]), headers=browser))
    post_query = "?" + urllib.parse.urlencode({"site": seeding.SITE, "url": seeding.POST_PAGE})
    cases.append(Case("case4", "4. POST /api/comments", "/api/comments" + post_query,
                      method="POST", script="post.lua",
                      script_args=["/api/comments" + post_query, seeding.ORIGIN], expect=201,
                      headers={"Content-Type": "application/json", "Origin": seeding.ORIGIN},
                      body=b'{"text":"Preflight comment."}'))
    hot = [str(i) for i in info.hot_comment_ids]
    cases.append(Case("case5", f"5. PUT vote, new voter each, {len(hot)} hot comments",
                      f"/api/comments/{hot[0]}/vote", method="PUT", script="vote.lua",
                      script_args=[seeding.ORIGIN, uuid.uuid4().hex[:12], *hot],
                      headers={"Content-Type": "application/json", "Origin": seeding.ORIGIN,
                               "X-Voter-Token": "bench-preflight-voter-0001"},
                      body=b'{"value":1}'))
    counts_query = urllib.parse.urlencode(
        [("site", seeding.SITE)] + [("url", url) for url in seeding.COUNT_PAGES]
    )
    cases.append(Case("case6", "6. GET /api/counts, 50 URLs", "/api/counts?" + counts_query,
                      headers=browser))
    cases.append(Case("case7", "7. GET /embed.js", "/embed.js", headers={"Accept-Encoding": "gzip"}))
    return cases


def preflight(base, case):
    """One request before the load: it must answer with the status the case expects."""
    request = urllib.request.Request(base + case.path, data=case.body, method=case.method,
                                     headers=case.headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, headers, body = exc.code, exc.headers, exc.read()
    if status != case.expect:
        raise RuntimeError(f"{case.key}: {case.method} {case.path} answered {status}, "
                           f"expected {case.expect}: {body[:300]!r}")
    return headers, body


def measure(server, case, args):
    """Load one case; also charge the workers' CPU time to its requests."""
    cpu_before = server.cpu_seconds()
    result = run_wrk(server.base, case, args)
    result.cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / max(result.requests, 1)
    return result


def run_wrk(base, case, args):
    command = [
        "wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "5s",
        "-s", str(BENCH_DIR / case.script),
    ]
    if case.script == "get.lua":
        for name, value in case.headers.items():
            command += ["-H", f"{name}: {value}"]
    command.append(base + (case.path if case.script == "get.lua" else "/"))
    if case.script_args:
        command += ["--", *case.script_args]
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            timeout=args.duration + 60).stdout
    line = next(l for l in output.splitlines() if l.startswith("BENCH_RESULT "))
    stats = json.loads(line.split(" ", 1)[1])
    errors = sum(stats[k] for k in ("connect", "read", "write", "timeout", "status"))
    return Result(case, stats["requests"] / (stats["duration_us"] / 1e6),
                  stats["p50_us"] / 1000, stats["p99_us"] / 1000, errors, stats["requests"])


# --- report -----------------------------------------------------------------------------


def judge(results, ceiling, postgres):
    """Fill each row's target column (the targets of the issue; nothing here fails the run)."""
    by_key = {r.case.key: r for r in results}
    reference = by_key.get("case1")
    for result in results:
        key, notes = result.case.key, []
        if key in ("case1", "case2") and ceiling:
            goal = TARGETS[key]
            ok = result.rps >= goal * ceiling.rps
            notes.append(f">= {goal:.0%} of ceiling: {'ok' if ok else 'MISSED'}")
        if key.startswith("case3") and reference:
            ratio = result.p50_ms / reference.p50_ms
            ok = ratio <= TARGETS["deep"]
            notes.append(f"p50 {ratio:.2f}x case 1 (<= {TARGETS['deep']}x): "
                         f"{'ok' if ok else 'MISSED'}; CPU {result.cpu_ms / reference.cpu_ms:.2f}x")
        if key == "case4" and not postgres:
            ok = result.p99_ms < TARGETS["post_p99_ms"]
            notes.append(f"p99 < {TARGETS['post_p99_ms']:.0f} ms: {'ok' if ok else 'MISSED'}")
        if result.errors:
            notes.append("ERRORS")
        result.target = "; ".join(notes)


def machine_line():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def print_table(results, ceiling, rss, args, backend):
    workers = f"{args.workers} workers" + (
        f" x {args.threads} threads (gthread)" if args.threads > 1 else " (sync)")
    print()
    limits = "rate limits OFF; " if args.no_ratelimit else ""
    print(f"commentsvc bench: {backend}; {limits}gunicorn {workers}; wrk 1 thread, "
          f"{args.connections} connections, {args.duration} s per case")
    print(f"machine: {machine_line()}; load average before the run: {args.load_before}")
    print()
    print("| case | req/s | p50 ms | p99 ms | errors | vs ceiling | worker CPU ms/req | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for result in [*results, ceiling]:
        if result is None:
            continue
        ratio = f"{result.rps / ceiling.rps:.0%}" if ceiling else "-"
        print(f"| {result.case.label} | {result.rps:,.0f} | {result.p50_ms:.2f} | "
              f"{result.p99_ms:.2f} | {result.errors} | {ratio} | {result.cpu_ms:.2f} | "
              f"{result.target} |")
    print()
    for name, peaks in rss.items():
        shown = ", ".join(f"{p:.0f}" for p in peaks) or "n/a"
        print(f"peak RSS per worker, {name}: {shown} MiB")


# --- main -------------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    ensure_wrk()
    if args.postgres:
        check_redis(args.redis_url)
    backend = "PostgreSQL + Redis" if args.postgres else "SQLite (WAL)"
    args.load_before = " ".join(f"{value:.1f}" for value in os.getloadavg())
    tmp = Path(tempfile.mkdtemp(prefix="commentsvc-bench-"))
    database = Database(args, tmp)
    servers = []
    try:
        env = database.env()
        os.environ.update({k: v for k, v in env.items() if k.startswith("COMMENTSVC_")})
        from commentsvc import create_app

        app = create_app({"RATELIMIT_ENABLED": False})
        started = time.monotonic()
        seeding.migrate(app)
        info = seeding.seed(app, big=args.big)
        print(f"seeded {info.small_count} + {info.big_count} comments "
              f"({info.big_top_level} top-level in the big thread) in "
              f"{time.monotonic() - started:.1f}s", flush=True)

        service = Gunicorn("wsgi:app", env, args, tmp / "service.log")
        servers.append(service)
        service.wait_ready("/healthz")
        cases = build_cases(info)
        headers, case1_body = preflight(service.base, cases[0])
        cases[1].headers = {**cases[1].headers, "If-None-Match": headers["ETag"]}
        wanted = set(args.only.split(",")) if args.only else None
        results = []
        for case in cases:
            if wanted and case.key not in wanted:
                continue
            preflight(service.base, case)
            print(f"  {case.label} ...", flush=True)
            results.append(measure(service, case, args))
        rss = {"service": service.peak_rss_mb()}
        service.stop()

        body_path = tmp / "case1.json"
        body_path.write_bytes(case1_body)
        ceiling_server = Gunicorn("bench.ceiling:app", {**env, "BENCH_CEILING_BODY":
                                                          str(body_path)},
                                  args, tmp / "ceiling.log")
        servers.append(ceiling_server)
        ceiling_server.wait_ready("/")
        print("  ceiling ...", flush=True)
        ceiling = measure(ceiling_server, Case(
            "ceiling", "ceiling: minimal WSGI app, case 1's bytes", "/",
            headers={"Accept-Encoding": "gzip"}), args)
        rss["ceiling"] = ceiling_server.peak_rss_mb()
        ceiling_server.stop()

        judge(results, ceiling, args.postgres)
        print_table(results, ceiling, rss, args, backend)
        if args.json_path:
            Path(args.json_path).write_text(json.dumps({
                "backend": backend, "machine": machine_line(), "workers": args.workers,
                "threads": args.threads, "connections": args.connections,
                "duration": args.duration, "peak_rss_mib": rss, "load": args.load_before,
                "rows": [{"case": r.case.key, "label": r.case.label, "rps": r.rps,
                          "p50_ms": r.p50_ms, "p99_ms": r.p99_ms, "errors": r.errors,
                          "requests": r.requests, "cpu_ms": r.cpu_ms} for r in [*results, ceiling]],
            }, indent=2))
        failed = [r.case.key for r in results if r.errors]
        return 1 if failed else 0
    finally:
        for server in servers:
            server.stop()
        database.drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
