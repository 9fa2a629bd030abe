"""Schemathesis against /openapi.json: for generated requests to every operation (public and
admin, with a valid token) there is no 5xx and every response matches what is documented."""
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.helpers import PAGE
from tests.helpers import Reader

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 25


@pytest.fixture
def fuzz_target(app, client, make_site):
    """The app with a site, a thread and a few comments for the generated calls to meet."""
    _, token = make_site("blog")
    reader = Reader(client, "blog")
    top = reader.comment("fuzz target", author_email="fuzz@example.org")["comment"]["id"]
    reader.comment("a reply", parent_id=top)
    return app, token


def _aim_at_real_data(case):
    """Random site slugs only ever meet 404: point the positive cases at the real site."""
    for container in (case.query, case.body):
        if isinstance(container, dict):
            if "site" in container:
                container["site"] = "blog"
            if isinstance(container.get("url"), str):
                container["url"] = PAGE


def _cases():
    """(operation, generation mode) pairs; negative cases only where there is an input."""
    from commentsvc import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SECRET_KEY": "x"})
    spec = app.test_client().get("/openapi.json").get_json()
    cases = []
    for path, operations in sorted(spec["paths"].items()):
        shared = operations.get("parameters", [])
        for method, operation in operations.items():
            if method == "parameters":
                continue
            label = f"{method.upper()} {path}"
            cases.append(pytest.param(label, GenerationMode.POSITIVE, id=f"positive-{label}"))
            if shared or operation.get("parameters") or operation.get("requestBody"):
                cases.append(pytest.param(label, GenerationMode.NEGATIVE,
                                          id=f"negative-{label}"))
    return cases


@pytest.mark.parametrize("label, mode", _cases())
def test_no_server_errors_and_documented_responses(fuzz_target, label, mode):
    app, token = fuzz_target
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    [operation] = [r.ok() for r in schema.get_all_operations() if r.ok().label == label]
    headers = {"Authorization": f"Bearer {token}", "X-Voter-Token": "fuzzing-voter-token-0001"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        if mode == GenerationMode.POSITIVE:
            _aim_at_real_data(case)
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()
