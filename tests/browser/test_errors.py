"""Errors are explained next to the form in words, and the typed text is never lost."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy.exc import OperationalError

pytestmark = pytest.mark.browser

PROMPT = "Would love your thoughts, please comment."
TEXT = "A long and careful comment I would hate to type twice."


def submit(page, text=TEXT, **fields):
    form = page.locator("form.cs-form").first
    form.get_by_placeholder(PROMPT).fill(text)
    for placeholder, value in fields.items():
        form.get_by_placeholder(placeholder.capitalize()).fill(value)
    form.get_by_role("button", name="Post Comment").click()
    return form


def test_empty_text_is_refused_before_any_request(env):
    env.site()
    env.page()
    page = env.open()
    requests = []
    page.on("request", lambda r: requests.append(r) if r.method == "POST" else None)
    form = submit(page, text="   ")
    expect(form.locator(".cs-err")).to_have_text("Please write a comment first.")
    expect(form.get_by_placeholder(PROMPT)).to_be_focused()
    assert requests == []


def test_validation_error_names_the_field_and_keeps_the_text(env):
    env.site()
    env.page()
    page = env.open()
    form = submit(page, website="javascript:alert(1)")
    error = form.locator(".cs-err")
    expect(error).to_have_text(re.compile(r"^Please check the form: Website: .+"))
    expect(error).to_have_attribute("role", "alert")
    expect(form.get_by_placeholder("Website")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_placeholder(PROMPT)).to_have_value(TEXT)
    # Fixing the field posts the same text.
    form.get_by_placeholder("Website").fill("https://example.org")
    form.get_by_role("button", name="Post Comment").click()
    expect(page.locator(".cs-list .cs-text")).to_have_text([TEXT])
    expect(form.get_by_placeholder("Website")).not_to_have_attribute("aria-invalid", "true")


def test_locked_thread_refusal_is_explained(env):
    env.site()
    env.page()
    env.seed("Existing comment")
    page = env.open()
    env.set_thread(locked=True)  # locked while the reader was typing
    form = submit(page)
    expect(form.locator(".cs-err")).to_have_text("This thread is closed for new comments.")
    expect(form.get_by_placeholder(PROMPT)).to_have_value(TEXT)


def test_banned_reader_is_told(env):
    env.site()
    env.page()
    page = env.open()
    with env.app.app_context():
        from commentsvc.extensions import db
        from commentsvc.models import Ban
        from commentsvc.services.sites import get_site

        db.session.add(Ban(site_id=get_site(env.slug).id, author_email="troll@example.org"))
        db.session.commit()
    form = submit(page, email="troll@example.org")
    expect(form.locator(".cs-err")).to_have_text("You are not allowed to comment here.")
    expect(form.get_by_placeholder(PROMPT)).to_have_value(TEXT)


def test_storage_outage_is_explained(env, monkeypatch):
    env.site()
    env.page()
    page = env.open()

    def outage(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is down"))

    monkeypatch.setattr("commentsvc.services.comments.create_comment", outage)
    form = submit(page)
    expect(form.locator(".cs-err")).to_have_text(
        "The comment service is temporarily unavailable. Please try again in a minute."
    )
    expect(form.get_by_placeholder(PROMPT)).to_have_value(TEXT)
    expect(form.get_by_role("button", name="Post Comment")).to_be_enabled()


def test_unreachable_service_is_explained(env):
    env.site()
    env.page()
    page = env.open()
    page.route("**/api/comments?*", lambda route: route.abort()
               if route.request.method == "POST" else route.continue_())
    form = submit(page)
    expect(form.locator(".cs-err")).to_have_text(
        "Could not reach the comment service. Please try again."
    )
    expect(form.get_by_placeholder(PROMPT)).to_have_value(TEXT)
