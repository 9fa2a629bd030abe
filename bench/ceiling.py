"""The ceiling: the smallest WSGI app that answers like case 1, without a database.

It returns the exact bytes the service returned for case 1 (the run writes them to the file
named by BENCH_CEILING_BODY), so its req/s is what gunicorn, the socket and the load
generator allow on this machine with the same settings. Every case is reported against it.
"""
import os

with open(os.environ["BENCH_CEILING_BODY"], "rb") as handle:
    BODY = handle.read()

HEADERS = [
    ("Content-Type", "application/json"),
    ("Content-Length", str(len(BODY))),
]


def app(environ, start_response):
    start_response("200 OK", list(HEADERS))
    return [BODY]
