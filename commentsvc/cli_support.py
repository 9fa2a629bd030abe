"""Helpers shared by the command groups."""
import click

from .errors import ApiError
from .services.sites import get_site


def site_for_command(slug):
    """The site named on the command line; an unknown slug is a usage error, not a traceback."""
    try:
        return get_site(slug)
    except ApiError as exc:
        raise click.UsageError(exc.message) from exc
