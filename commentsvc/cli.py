"""``flask --app wsgi ...`` commands. Commands that reveal secrets accept --json."""
import json

import click
from flask import Flask
from flask.cli import AppGroup

from . import cli_io
from . import cli_moderation
from . import cli_outbox
from .cli_support import given
from .cli_support import json_option
from .cli_support import reports_errors
from .cli_support import site_for_command
from .schemas_admin import SiteSettingsSchema
from .services import moderation
from .services import sites as site_service

sites_cli = AppGroup("sites", help="Create and list sites; rotate their admin tokens.")


def _emit(as_json, payload, text):
    click.echo(json.dumps(payload) if as_json else text)


@sites_cli.command("create")
@click.option("--slug", required=True, help="Public id used by the embed (data-site).")
@click.option("--origin", "origins", multiple=True, required=True,
              help="Allowed origin, e.g. https://blog.example.org or http://localhost:* "
                   "(repeatable).")
@click.option("--name", help="Display name (default: the slug).")
@click.option("--moderation", type=click.Choice(["off", "first", "all"]), default="off",
              show_default=True, help="Hold no comments, an author's first, or all.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def create_site(slug, origins, name, moderation, as_json):
    """Register a site and print its admin token (shown only this once)."""
    try:
        site, token = site_service.create_site(slug, origins, name, moderation)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    _emit(as_json, {"slug": site.slug, "admin_token": token},
          f"Created site {site.slug!r}.\nAdmin token (shown once): {token}")


@sites_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def list_sites(as_json):
    """List sites with their origins and moderation mode."""
    sites = [
        {"slug": s.slug, "name": s.name, "origins": s.origins, "moderation": s.moderation}
        for s in site_service.list_sites()
    ]
    if as_json:
        click.echo(json.dumps(sites))
        return
    for site in sites:
        click.echo(f"{site['slug']}\t{site['moderation']}\t{' '.join(site['origins'])}")


@sites_cli.command("token")
@click.option("--slug", required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def rotate_token(slug, as_json):
    """Revoke the site's admin token and print a new one."""
    token = site_service.rotate_token(site_for_command(slug))
    _emit(as_json, {"slug": slug, "admin_token": token}, f"New admin token: {token}")


@sites_cli.command("settings")
@click.option("--slug", required=True)
@click.option("--name", help="Display name.")
@click.option("--origin", "origins", multiple=True,
              help="Allowed origin; replaces the list (repeatable).")
@click.option("--moderation", type=click.Choice(["off", "first", "all"]))
@click.option("--edit-window", "edit_window_seconds", type=int, help="Seconds.")
@click.option("--max-depth", type=int, help="Deepest reply level.")
@click.option("--min-elapsed-ms", type=int, help="Faster submissions are held.")
@click.option("--link-limit", type=int, help="More links than this are held.")
@click.option("--blocked-word", "blocked_words", multiple=True,
              help="Held when present; replaces the list (repeatable).")
@json_option
@reports_errors
def site_settings(slug, as_json, **options):
    """Show a site's settings, or change the ones given (as PATCH /api/admin/sites/<slug>)."""
    site = site_for_command(slug)
    changes = SiteSettingsSchema(partial=True).load(given(**options))
    settings = (moderation.update_site_settings(site, "cli", changes) if changes
                else moderation.site_settings(site))
    if as_json:
        click.echo(json.dumps(settings))
        return
    for name, value in settings.items():
        click.echo(f"{name}: {value}")


@sites_cli.command("ensure-demo")
@click.option("--public-url", envvar="COMMENTSVC_PUBLIC_URL", default="http://127.0.0.1:8080")
def ensure_demo(public_url):
    """Create the `demo` site used by /demo unless it exists (for `make run`)."""
    if any(site.slug == "demo" for site in site_service.list_sites()):
        return
    from .services.urls import url_origin

    origins = {url_origin(public_url), "http://localhost:*", "http://127.0.0.1:*"}
    _, token = site_service.create_site("demo", sorted(origins), "Demo site")
    click.echo(f"Created site 'demo'. Admin token (shown once): {token}")


def init_app(app: Flask):
    app.cli.add_command(sites_cli)
    cli_io.init_app(app)
    cli_outbox.init_app(app)
    cli_moderation.init_app(app)
