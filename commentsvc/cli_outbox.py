"""``flask --app wsgi outbox ...`` (the delivery worker) and ``... notify ...`` (a site's
notification address, webhooks and webhook signing secret)."""
import json
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from .services import notifications
from .services import outbox
from .cli_support import site_for_command

outbox_cli = AppGroup("outbox", help="Deliver queued mail and webhooks; inspect the queue.")
notify_cli = AppGroup("notify", help="Where a site's new-comment notifications go.")


@outbox_cli.command("run")
@click.option("--drain", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--json", "as_json", is_flag=True, help="With --drain: print counts as JSON.")
def run(drain, as_json):
    """Deliver messages with retries and backoff until stopped (SIGTERM/SIGINT finish the
    message in hand first). Several workers may run at once."""
    worker = outbox.Worker(current_app)
    if drain:
        stats = worker.drain()
        click.echo(json.dumps(stats) if as_json else
                   " ".join(f"{key}={value}" for key, value in sorted(stats.items())))
        return
    if worker.smtp is None:
        click.echo("SMTP is not configured: mail stays queued; webhooks are delivered.",
                   err=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker.run_forever(stop)


@outbox_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status(as_json):
    """Count messages by kind and status."""
    counts = outbox.status_counts()
    if as_json:
        click.echo(json.dumps(counts))
        return
    for kind, by_status in sorted(counts.items()):
        click.echo(f"{kind}\t" + " ".join(f"{s}={n}" for s, n in sorted(by_status.items())))


@outbox_cli.command("retry-failed")
def retry_failed():
    """Queue failed messages again with a fresh set of attempts."""
    click.echo(f"Requeued {outbox.retry_failed()} message(s).")


@outbox_cli.command("cleanup")
def cleanup():
    """Forget delivered messages past retention and expired unconfirmed subscriptions
    (the worker also does this every 10 minutes)."""
    messages, subscriptions = outbox.maintenance(current_app.config)
    click.echo(f"Deleted {messages} message(s) and {subscriptions} subscription(s).")




@notify_cli.command("settings")
@click.option("--site", "slug", required=True)
@click.option("--email", help="Send a mail for every new comment to this address.")
@click.option("--no-email", is_flag=True, help="Stop the new-comment mail.")
@click.option("--webhook", "webhooks", multiple=True,
              help="Webhook URL (repeatable; replaces the list).")
@click.option("--no-webhooks", is_flag=True, help="Remove every webhook URL.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def settings(slug, email, no_email, webhooks, no_webhooks, as_json):
    """Show or change a site's notification address and webhook URLs."""
    site = site_for_command(slug)
    urls = [] if no_webhooks else (list(webhooks) if webhooks else None)
    try:
        result = notifications.configure_site(site, email, no_email, urls)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"notify_email: {result['notify_email'] or '-'}")
    for url in result["webhook_urls"]:
        click.echo(f"webhook: {url}")


@notify_cli.command("webhook-secret")
@click.option("--site", "slug", required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def webhook_secret(slug, as_json):
    """Print the key that signs the site's webhooks (X-Commentsvc-Signature: sha256=HMAC of
    the body). It is derived from the service secret: rotating that rotates this."""
    secret = notifications.webhook_secret(site_for_command(slug))
    click.echo(json.dumps({"site": slug, "webhook_secret": secret}) if as_json else secret)


def init_app(app):
    """Register both command groups, and the optional in-process delivery thread
    (COMMENTSVC_OUTBOX_THREAD=1; it starts with the first request, never in a CLI command)."""
    app.cli.add_command(outbox_cli)
    app.cli.add_command(notify_cli)
    outbox.init_app(app)
