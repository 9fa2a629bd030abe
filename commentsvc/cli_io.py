"""``flask --app wsgi import`` and ``flask --app wsgi export``: migrations in and out."""
import json
import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from .errors import ApiError
from .extensions import db
from .services.export import iter_export
from .services.importers import FORMATS
from .services.importers import import_file
from .cli_support import site_for_command




@click.command("import")
@click.option("--site", "slug", required=True, help="Slug of the site to import into.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="disqus (XML), wordpress (WXR), isso (SQLite file) or commentsvc (JSON).")
@click.option("--base-url", help="Isso only: base URL of its page paths "
                                 "(default: the site's first origin).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@with_appcontext
def import_command(slug, fmt, base_url, file):
    """Import FILE into a site; prints the counts as JSON. Safe to run twice."""
    site = site_for_command(slug)
    try:
        result = import_file(site, fmt, file, actor="cli", base_url=base_url)
    except ApiError as exc:
        db.session.rollback()
        detail = f" {json.dumps(exc.fields)}" if exc.fields else ""
        raise click.ClickException(f"{exc.code}: {exc.message}{detail} (nothing imported)") \
            from exc
    click.echo(json.dumps(result, ensure_ascii=False))


@click.command("export")
@click.option("--site", "slug", required=True, help="Slug of the site to export.")
@with_appcontext
def export_command(slug):
    """Write the site's full export (JSON) to standard output."""
    site = site_for_command(slug)
    out = sys.stdout
    for chunk in iter_export(site):
        out.write(chunk)
    out.flush()


def init_app(app: Flask):
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
