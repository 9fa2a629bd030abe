"""Widget assets (``/embed.js``, ``/count.js``, ``/inline.js``, ``/i18n/*.json``), ``/demo``.

``embed.js`` is assembled from the readable sources in ``widget/src/``: the modules are
concatenated into one IIFE with the stylesheet inlined as a string. ``make widget`` (or
``python -m commentsvc.web``) minifies that bundle with the pinned esbuild into
``widget/dist/``; the service serves the minified files whenever they are at least as new
as their sources, else the plain concatenation (works from a bare checkout, only bigger).
``inline.js`` (inline feedback) is an ES module that ``embed.js`` imports on demand.
Assets are cached in memory and rebuilt when a source file changes.
"""
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from datetime import datetime
from datetime import timezone
from pathlib import Path

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import request

bp = Blueprint("web", __name__)

# Bundle order matters: later modules use names the earlier ones define.
EMBED_MODULES = ("dom.js", "i18n.js", "api.js", "form.js", "comment.js", "main.js")
LANGUAGES = ("de", "fr", "es", "uk")
DAY = 24 * 3600
YEAR = 365 * DAY
JS = "text/javascript; charset=utf-8"
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_cache = {}
_cache_lock = threading.Lock()


class Asset:
    """One built file: body, gzipped body, validators."""

    def __init__(self, body, mtime, content_type):
        self.body = body
        self.gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        self.etag = hashlib.sha256(body).hexdigest()[:20]
        self.last_modified = datetime.fromtimestamp(int(mtime), tz=timezone.utc)
        self.content_type = content_type


def widget_dir():
    """Where the widget sources live (``WIDGET_DIR`` config, else ``widget/`` in the repo)."""
    configured = current_app.config.get("WIDGET_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parent.parent / "widget"


def strip_js(source):
    """Drop full-line ``//`` comments, indentation and blank lines (code stays readable)."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def strip_css(source):
    """Drop comments and collapse whitespace around punctuation."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    source = re.sub(r"\s+", " ", source)
    return re.sub(r"\s*([{};,>])\s*", r"\1", source).replace(";}", "}").strip()


def build_embed(directory, css=None):
    """Concatenate the widget modules into one IIFE with the CSS inlined."""
    src = Path(directory) / "src"
    if css is None:
        css = strip_css((src / "style.css").read_text(encoding="utf-8"))
    modules = [strip_js((src / name).read_text(encoding="utf-8")) for name in EMBED_MODULES]
    body = "\n".join(
        [
            "/*! commentsvc embed: readable source in widget/src/ */",
            "(() => {",
            '"use strict";',
            f"const CSS = {json.dumps(css)};",
            *modules,
            "})();",
            "",
        ]
    )
    return body.encode("utf-8")


def _esbuild(esbuild, source, loader, *extra):
    """Minify one source text with esbuild (stdin to stdout)."""
    result = subprocess.run(
        [str(esbuild), f"--loader={loader}", "--minify", "--target=es2020", "--charset=utf8",
         "--legal-comments=inline", "--log-level=warning", *extra],
        input=source, capture_output=True, check=True,
    )
    return result.stdout


def build_dist(directory, esbuild):
    """Minify ``embed.js``, ``count.js`` and ``inline.js`` into ``dist/``; returns the paths."""
    directory = Path(directory)
    dist = directory / "dist"
    dist.mkdir(exist_ok=True)
    css = _esbuild(esbuild, (directory / "src" / "style.css").read_bytes(), "css")
    embed = _esbuild(esbuild, build_embed(directory, css.decode("utf-8").strip()), "js")
    count = _esbuild(esbuild, (directory / "count.js").read_bytes(), "js")
    inline = _esbuild(esbuild, (directory / "src" / "inline.js").read_bytes(), "js",
                      "--format=esm")
    (dist / "embed.js").write_bytes(embed)
    (dist / "count.js").write_bytes(count)
    (dist / "inline.js").write_bytes(inline)
    return [dist / "embed.js", dist / "count.js", dist / "inline.js"]


def _fresh(built, sources):
    """True when ``built`` exists and is not older than any of ``sources``."""
    try:
        stamp = os.stat(built).st_mtime_ns
    except FileNotFoundError:
        return False
    return all(os.stat(path).st_mtime_ns <= stamp for path in sources)


def _sources(name):
    """Source files of an asset and how to build it."""
    root = widget_dir()
    if name in ("embed.js", "count.js", "inline.js"):
        if name == "embed.js":
            files = [root / "src" / "style.css"] + [root / "src" / m for m in EMBED_MODULES]
            plain = lambda: build_embed(root)  # noqa: E731
        else:
            files = [root / ("count.js" if name == "count.js" else "src/inline.js")]
            plain = lambda: strip_js(files[0].read_text(encoding="utf-8")).encode()  # noqa: E731
        built = root / "dist" / name
        if _fresh(built, files):
            return [built], built.read_bytes, JS
        return files, plain, JS
    if name.startswith("i18n/"):
        path = root / name
        # Re-serialize compactly; also proves the file is valid JSON.
        return [path], lambda: json.dumps(
            json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False,
            separators=(",", ":")
        ).encode(), JSON
    if name == "demo.html":
        path = root / "demo.html"
        return [path], path.read_bytes, HTML
    raise KeyError(name)


def get_asset(name):
    """The built asset, rebuilt only when one of its source files changed."""
    files, build, content_type = _sources(name)
    key = (name, tuple(str(path) for path in files))
    stamp = tuple(os.stat(path).st_mtime_ns for path in files)
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
        asset = Asset(build(), max(stamp) / 1e9, content_type)
        _cache[key] = (stamp, asset)
        return asset


def send_asset(name, max_age=DAY):
    """Serve an asset with validators (ETag, Last-Modified → 304) and gzip when accepted.

    ``?v=<etag>`` (the current version) makes the response immutable for a year, so a
    page can pin a version; without it browsers revalidate daily.
    """
    try:
        asset = get_asset(name)
    except (KeyError, FileNotFoundError):
        abort(404)
    use_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = current_app.response_class(
        asset.gzipped if use_gzip else asset.body, content_type=asset.content_type
    )
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(asset.etag + ("-gz" if use_gzip else ""))
    response.last_modified = asset.last_modified
    if request.args.get("v") == asset.etag:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = (
            f"public, max-age={max_age}, stale-while-revalidate={7 * DAY}"
        )
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    # Static, public and credential-free: any page may fetch them (the i18n JSON needs CORS).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.get("/embed.js")
def embed_js():
    """The comment widget."""
    return send_asset("embed.js")


@bp.get("/count.js")
def count_js():
    """Fills comment counts on index pages."""
    return send_asset("count.js")


@bp.get("/inline.js")
def inline_js():
    """Inline feedback (an ES module ``embed.js`` imports when the page has an article)."""
    return send_asset("inline.js")


@bp.get("/i18n/<lang>.json")
def i18n(lang):
    """Widget strings for one language (English is built into embed.js)."""
    if lang not in LANGUAGES:
        abort(404)
    return send_asset(f"i18n/{lang}.json")


@bp.get("/demo")
def demo():
    """A news article embedding the widget (site ``demo``; create it with ``sites create``)."""
    page = get_asset("demo.html").body.decode("utf-8")
    response = current_app.response_class(
        page.replace("{{base}}", request.script_root), content_type=HTML
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = DEMO_CSP
    return response


def main(argv=None):
    """``python -m commentsvc.web [ESBUILD]``: build widget/dist with the pinned esbuild."""
    argv = sys.argv[1:] if argv is None else argv
    root = Path(__file__).resolve().parent.parent
    esbuild = Path(argv[0]) if argv else root / "node_modules" / ".bin" / "esbuild"
    for path in build_dist(root / "widget", esbuild):
        body = path.read_bytes()
        print(f"{path.relative_to(root)}: {len(body)} bytes, "
              f"{len(gzip.compress(body, compresslevel=9))} gzipped")


if __name__ == "__main__":
    main()
