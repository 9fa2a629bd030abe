"""``flask --app wsgi comments ...`` and ``... bans ...``: moderation from the shell.

The commands call the same services as the admin API (and validate input with the same
schemas), so both behave alike; the audit log names the actor ``cli``.
"""
import json

import click
from flask.cli import AppGroup

from .cli_support import given
from .cli_support import json_option
from .cli_support import reports_errors
from .schemas import MAX_ID
from .schemas_admin import BanCreateSchema
from .schemas_admin import PurgeSchema
from .services import moderation
from .services.sites import get_site

ACTOR = "cli"
ID = click.IntRange(1, MAX_ID)

comments_cli = AppGroup("comments", help="Moderate comments: list, approve, spam, delete, "
                                            "purge.")
bans_cli = AppGroup("bans", help="Ban IPs (by one of their comments) or emails; list, lift.")
threads_cli = AppGroup("threads", help="Lock or unlock a page's thread.")


def _comment_line(view):
    text = " ".join(view["text"].split())
    return (f"{view['id']}\t{view['status']}\t{view['created_at']}\t"
            f"{view['author_email'] or '-'}\t{view['thread']['url']}\t{text[:60]}")


@comments_cli.command("list")
@click.option("--site", required=True, help="Site slug.")
@click.option("--status", type=click.Choice(["approved", "pending", "spam", "deleted"]))
@click.option("--url", help="Only this thread (page URL).")
@click.option("--q", help="Text search in text, author name and email.")
@click.option("--author-email")
@click.option("--ip-of", type=ID, help="Same IP as this comment id.")
@click.option("--limit", type=click.IntRange(1, 100), default=50, show_default=True)
@click.option("--cursor", help="next_cursor of the previous page.")
@json_option
@reports_errors
def list_comments(site, limit, cursor, as_json, **filters):
    """List a site's comments, newest first, with private fields."""
    page = moderation.list_for_moderation(get_site(site), limit, cursor, **given(**filters))
    if as_json:
        click.echo(json.dumps(page))
        return
    for view in page["comments"]:
        click.echo(_comment_line(view))
    if page["next_cursor"]:
        click.echo(f"next: --cursor {page['next_cursor']}")


def _status_command(name, action, help_text):
    @comments_cli.command(name, help=help_text)
    @click.argument("comment_ids", nargs=-1, type=ID, required=True)
    @json_option
    @reports_errors
    def command(comment_ids, as_json):
        views = [moderation.admin_view_of(action(moderation.get_comment(cid), ACTOR))
                 for cid in comment_ids]
        if as_json:
            click.echo(json.dumps(views))
            return
        for view in views:
            click.echo(f"{view['id']}\t{view['status']}")
    return command


_status_command("approve", moderation.approve_comment,
                "Approve comments: they become public and count.")
_status_command("spam", moderation.mark_spam, "Mark comments as spam: hidden at once.")


@comments_cli.command("delete")
@click.argument("comment_id", type=ID)
@click.option("--cascade", is_flag=True, help="Delete the replies too (else they stay under "
                                             "a tombstone).")
@json_option
@reports_errors
def delete_comment(comment_id, cascade, as_json):
    """Hard-delete one comment."""
    ids = moderation.delete_comment(moderation.get_comment(comment_id), ACTOR, cascade)
    click.echo(json.dumps({"deleted": len(ids), "ids": ids}) if as_json
               else f"Deleted {len(ids)} comment(s).")


@comments_cli.command("purge")
@click.option("--site", required=True, help="Site slug.")
@click.option("--id", "comment_ids", type=ID, multiple=True, help="Comment id (repeatable).")
@click.option("--author-email")
@click.option("--ip-of", type=ID, help="Same IP as this comment id.")
@click.option("--url", help="All comments of this thread (page URL).")
@click.option("--since", help="Created at or after (ISO 8601; UTC when no offset).")
@click.option("--until", help="Created before (ISO 8601).")
@click.option("--status", type=click.Choice(["approved", "pending", "spam", "deleted"]))
@click.option("--dry-run", is_flag=True, help="Only show what would be purged.")
@click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
@json_option
@reports_errors
def purge(site, dry_run, yes, as_json, **filters):
    """Delete every comment matching all the given filters, in one transaction."""
    filters["comment_ids"] = list(filters["comment_ids"]) or None
    data = PurgeSchema().load(given(site=site, **filters))
    site = get_site(data.pop("site"))
    data.pop("dry_run")
    ids = moderation.purge(site, ACTOR, dry_run=True, **data)
    if ids and not dry_run:
        if not yes:
            click.confirm(f"Purge {len(ids)} comment(s) of site {site.slug!r}?", abort=True,
                          err=True)
        # Only what the moderator saw and confirmed, even if more matched since.
        ids = moderation.purge(site, ACTOR, **{**data, "comment_ids": ids})
    if as_json:
        click.echo(json.dumps({"purged": len(ids), "ids": ids, "dry_run": dry_run}))
    elif dry_run:
        click.echo(f"Would purge {len(ids)} comment(s): {' '.join(map(str, ids))}")
    else:
        click.echo(f"Purged {len(ids)} comment(s).")


@bans_cli.command("add")
@click.option("--site", required=True, help="Site slug.")
@click.option("--ip-of", type=ID, help="Ban the IP of this comment id.")
@click.option("--email", "author_email", help="Ban this author email.")
@click.option("--reason")
@click.option("--expires", "expires_at", help="Expiry (ISO 8601); default never.")
@json_option
@reports_errors
def add_ban(site, as_json, **values):
    """Ban an IP (named by one of its comments) and/or an email."""
    data = BanCreateSchema().load(given(site=site, **values))
    ban = moderation.create_ban(get_site(data.pop("site")), ACTOR, **data)
    view = moderation.ban_view(ban)
    click.echo(json.dumps(view) if as_json else f"Ban {view['id']} added.")


@bans_cli.command("list")
@click.option("--site", required=True, help="Site slug.")
@json_option
@reports_errors
def list_bans(site, as_json):
    """List a site's bans, newest first."""
    bans = moderation.list_bans(get_site(site))
    if as_json:
        click.echo(json.dumps(bans))
        return
    for ban in bans:
        who = ban["author_email"] or f"ip:{(ban['ip_hash'] or '')[:12]}"
        state = "active" if ban["active"] else "expired"
        click.echo(f"{ban['id']}\t{state}\t{who}\t{ban['expires_at'] or 'never'}\t"
                   f"{ban['reason'] or ''}")


@bans_cli.command("lift")
@click.option("--site", required=True, help="Site slug.")
@click.argument("ban_id", type=ID)
@reports_errors
def lift_ban(site, ban_id):
    """Lift a ban."""
    moderation.lift_ban(moderation.get_site_ban(get_site(site), ban_id), ACTOR)
    click.echo(f"Ban {ban_id} lifted.")


def _thread_command(name, locked, effect):
    @threads_cli.command(name, help=f"{name.capitalize()} the thread of a page: {effect}.")
    @click.option("--site", required=True, help="Site slug.")
    @click.option("--url", required=True, help="The page URL.")
    @click.option("--page-id", help="The embed's data-page-id, when the page uses one.")
    @json_option
    @reports_errors
    def command(site, url, page_id, as_json):
        view = moderation.thread_view(
            moderation.update_thread(get_site(site), ACTOR, url, page_id, locked=locked))
        click.echo(json.dumps(view) if as_json else f"Thread {name}ed: {view['url']}")


_thread_command("lock", True, "reads work, writes get 403")
_thread_command("unlock", False, "writes work again")


def init_app(app):
    app.cli.add_command(comments_cli)
    app.cli.add_command(bans_cli)
    app.cli.add_command(threads_cli)
