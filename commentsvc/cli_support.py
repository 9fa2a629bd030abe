"""Helpers shared by the command groups."""
import functools
import json

import click
from marshmallow import ValidationError

from .errors import ApiError
from .services.sites import get_site


def site_for_command(slug):
    """The site named on the command line; an unknown slug is a usage error, not a traceback."""
    try:
        return get_site(slug)
    except ApiError as exc:
        raise click.UsageError(exc.message) from exc


def reports_errors(command):
    """Service and validation errors become a one-line message and exit status 1 or 2."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ApiError as exc:
            detail = f" {json.dumps(exc.fields)}" if exc.fields else ""
            raise click.ClickException(f"{exc.message}{detail}") from exc
        except ValidationError as exc:
            raise click.UsageError(json.dumps(exc.messages)) from exc
    return wrapper


def json_option(command):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(command)


def given(**values):
    """The options the user actually passed (click gives None or () for the others)."""
    return {name: value for name, value in values.items() if value not in (None, ())}
