"""Import benchmark: a generated Disqus export through the real `flask import` command.

    .venv/bin/python bench/import_bench.py                     # 10,000 and 100,000 comments, SQLite
    .venv/bin/python bench/import_bench.py --comments 100000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/importbench   # an empty database

Each import runs as its own `flask --app wsgi import` process, so the peak RSS printed is that
process's own (os.wait4), start-up included. Sizes run in increasing order: flat memory means the
peak barely moves while the file grows tenfold. A second import of the largest file shows the
idempotent re-import (everything skipped). Not a timed test: it prints, it doesn't assert.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
ORIGIN = "https://bench.example.org"
WORDS = ("comment", "thread", "reply", "great", "post", "really", "think", "über", "naïve",
         "日本語", "🎉", "<em>emphasis</em>", '<a href="https://example.com">link</a>')


def generate(path, comments, per_thread=50, seed=7):
    """Write a Disqus export of ``comments`` posts (about a third are replies), streaming."""
    rng = random.Random(seed)
    threads = max(1, comments // per_thread)
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
                  'xmlns:dsq="http://disqus.com/disqus-internals">\n')
        for t in range(threads):
            out.write(f'<thread dsq:id="t{t}"><id/><link>{ORIGIN}/posts/{t}?utm_source=x</link>'
                      f"<title>Post {t}</title><createdAt>2015-01-01T00:00:00Z</createdAt>"
                      "<isClosed>false</isClosed><isDeleted>false</isDeleted></thread>\n")
        recent = {}  # thread -> a few recent post ids, reply targets
        for n in range(comments):
            t = rng.randrange(threads)
            candidates = recent.setdefault(t, [])
            parent = (f'<parent dsq:id="{rng.choice(candidates)}"/>'
                      if candidates and rng.random() < 0.35 else "")
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
            minute, second = divmod(n % 3600, 60)
            out.write(
                f'<post dsq:id="{n}"><id/><message><![CDATA[<p>{text}</p>]]></message>'
                f"<createdAt>2016-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:"
                f"{minute:02d}:{second:02d}Z</createdAt>"
                f"<isDeleted>{'true' if rng.random() < 0.02 else 'false'}</isDeleted>"
                f"<isSpam>{'true' if rng.random() < 0.02 else 'false'}</isSpam>"
                f"<author><email>user{n % 5000}@example.org</email><name>User {n % 5000}</name>"
                f"<isAnonymous>false</isAnonymous></author>"
                f"<ipAddress>198.51.{n % 256}.{n % 200}</ipAddress>"
                f'<thread dsq:id="t{t}"/>{parent}</post>\n'
            )
            candidates.append(n)
            del candidates[:-20]
        out.write("</disqus>\n")


def flask(env, *args):
    return subprocess.run([*FLASK, *args], env=env, cwd=REPO, check=True, capture_output=True,
                          text=True).stdout


def timed_import(env, site, path):
    """(seconds, peak RSS in MiB, the command's JSON result) of one `flask import` process."""
    started = time.perf_counter()
    process = subprocess.Popen([*FLASK, "import", "--site", site, "--format", "disqus",
                                str(path)], env=env, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status:
        raise SystemExit(f"import failed: {stderr}")
    return elapsed, usage.ru_maxrss / 1024, json.loads(stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", help="an EMPTY database (default: a new SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="import-bench-") as workdir:
        workdir = Path(workdir)
        env = {**os.environ,
               "COMMENTSVC_DATABASE_URL": args.database_url or f"sqlite:///{workdir}/bench.db",
               "COMMENTSVC_SECRET_KEY": "import-bench", "COMMENTSVC_RATELIMIT_ENABLED": "0"}
        flask(env, "db", "upgrade")
        backend = env["COMMENTSVC_DATABASE_URL"].split(":", 1)[0]
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"backend: {backend}; python {sys.version.split()[0]}; {os.cpu_count()} cpus; "
              f"load average before: {load} (other work on the machine slows every number)")
        print(f"{'comments':>9} {'file MiB':>9} {'seconds':>8} {'comments/s':>11} "
              f"{'peak RSS MiB':>13}  result")
        for size in sorted(args.comments):
            path = workdir / f"disqus-{size}.xml"
            generate(path, size)
            site = f"bench{size}"
            flask(env, "sites", "create", "--slug", site, "--origin", ORIGIN, "--json")
            runs = [("import", *timed_import(env, site, path)),
                    ("re-import", *timed_import(env, site, path))]
            for label, seconds, rss, result in runs:
                print(f"{size:>9} {path.stat().st_size / 2**20:>9.1f} {seconds:>8.1f} "
                      f"{size / seconds:>11,.0f} {rss:>13.0f}  {label}: imported "
                      f"{result['imported']}, skipped {result['skipped']}, "
                      f"threads {result['threads_created']}")
            path.unlink()


if __name__ == "__main__":
    main()
