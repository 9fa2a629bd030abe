"""Writing: post, reply, vote, edit, delete, moderation notice, subscribe."""
import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PROMPT = "Would love your thoughts, please comment."


def comment(page, text):
    return page.locator(".cs-c", has=page.locator(":scope > .cs-box > .cs-text", has_text=text))


def post(page, text, name=None, form=None):
    form = form or page.locator("form.cs-form").first
    form.get_by_placeholder(PROMPT).fill(text)
    if name is not None:
        form.get_by_placeholder("Name").fill(name)
    form.get_by_role("button", name=re.compile("Post (Comment|Reply)")).click()


def test_guest_posts_a_comment_with_the_anti_spam_inputs(env):
    env.site()
    env.page()
    page = env.open()
    with page.expect_request(lambda r: r.method == "POST" and "/api/comments" in r.url) as req:
        post(page, "My *first* comment")
    body = json.loads(req.value.post_data)
    assert body["text"] == "My *first* comment"
    assert body["elapsed_ms"] > 0
    assert "hp" not in body  # the honeypot stays empty for humans
    assert len(req.value.headers["x-voter-token"]) >= 32
    mine = comment(page, "My first comment")
    expect(mine.locator(".cs-name")).to_have_text("guest")
    expect(mine.locator(".cs-text em")).to_have_text("first")
    expect(mine.locator(".cs-date")).to_have_text("now")
    expect(page.locator(".cs-count")).to_have_text("1 Comment")
    expect(page.get_by_placeholder(PROMPT).first).to_have_value("")
    # The honeypot is present for bots but invisible and out of reach for people.
    trap = page.locator("form.cs-form input[name=hp]").first
    assert trap.evaluate("e => e.getBoundingClientRect().right <= 0")
    expect(trap).to_have_attribute("tabindex", "-1")
    # Stored, and found again after a reload.
    page.reload()
    env.rendered(page)
    expect(comment(page, "My first comment")).to_have_count(1)


def test_reply_nests_under_its_parent(env):
    env.site()
    env.page()
    parent = env.seed("Parent comment", name="Ada")
    page = env.open()
    ada = comment(page, "Parent comment")
    ada.get_by_role("button", name="Reply").click()
    reply_form = ada.locator("form.cs-rform")
    expect(reply_form.get_by_label("Your reply")).to_be_focused()
    post(page, "A reply to Ada", name="Bo", form=reply_form)
    nested = ada.locator(":scope > .cs-replies > .cs-c")
    expect(nested.locator(".cs-text")).to_have_text(["A reply to Ada"])
    expect(nested.locator(".cs-name")).to_have_text("Bo")
    expect(reply_form).to_have_count(0)
    expect(page.locator(".cs-count")).to_have_text("2 Comments")
    page.reload()
    env.rendered(page)
    expect(comment(page, "Parent comment").locator(".cs-replies .cs-text")).to_have_text(
        ["A reply to Ada"]
    )
    assert parent


def test_vote_up_switch_down_withdraw_and_survive_reload(env):
    env.site()
    env.page()
    env.seed("Vote on me")
    page = env.open()
    target = comment(page, "Vote on me")
    up, down = target.locator(".cs-up"), target.locator(".cs-down")

    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_text(re.compile(r"Vote up\s*1$"))
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(up).to_have_text(re.compile(r"up\s*0$"))
    expect(down).to_have_text(re.compile(r"down\s*1$"))
    # The reader's own vote is highlighted.
    pressed = down.evaluate("e => getComputedStyle(e).backgroundColor")
    idle = up.evaluate("e => getComputedStyle(e).backgroundColor")
    assert pressed != idle

    page.reload()
    env.rendered(page)
    target = comment(page, "Vote on me")
    up, down = target.locator(".cs-up"), target.locator(".cs-down")
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(down).to_have_text(re.compile(r"down\s*1$"))
    # Pressing the pressed button withdraws the vote; the server agrees.
    down.click()
    expect(down).to_have_attribute("aria-pressed", "false")
    expect(down).to_have_text(re.compile(r"down\s*0$"))
    page.reload()
    env.rendered(page)
    expect(comment(page, "Vote on me").locator(".cs-down")).to_have_text(re.compile(r"down\s*0$"))


def test_own_comment_vote_is_refused_in_words(env):
    env.site()
    env.page()
    page = env.open()
    post(page, "Mine")
    comment(page, "Mine").locator(".cs-up").click()
    expect(comment(page, "Mine").locator(".cs-msg")).to_have_text(
        "You can't vote on your own comment."
    )


def test_edit_and_delete_inside_the_window(env):
    env.site()
    env.page()
    page = env.open()
    post(page, "Typo in thsi comment")
    mine = comment(page, "Typo in thsi")
    mine.get_by_role("button", name="Edit").click()
    box = mine.get_by_label("Edit your comment")
    expect(box).to_have_value("Typo in thsi comment")
    box.fill("Typo fixed in this comment")
    mine.get_by_role("button", name="Save").click()
    expect(page.locator(".cs-text", has_text="Typo fixed in this comment")).to_be_visible()
    expect(comment(page, "Typo fixed").locator(".cs-ed")).to_have_text("(edited)")
    page.reload()
    env.rendered(page)
    fixed = comment(page, "Typo fixed")
    expect(fixed.locator(".cs-ed")).to_have_text("(edited)")
    fixed.get_by_role("button", name="Delete").click()
    fixed.get_by_role("button", name="Yes, delete").click()
    expect(comment(page, "Typo fixed")).to_have_count(0)
    expect(page.locator(".cs-count")).to_have_text("0 Comments")
    page.reload()
    env.rendered(page)
    expect(page.locator(".cs-list > .cs-c")).to_have_count(0)


def test_deleting_a_comment_with_replies_leaves_a_tombstone(env):
    env.site()
    env.page()
    page = env.open()
    post(page, "Soon deleted")
    mine = comment(page, "Soon deleted")
    cid = int(mine.get_attribute("data-id"))
    env.seed("An answer", parent=cid)
    mine.get_by_role("button", name="Delete").click()
    mine.get_by_role("button", name="Cancel").click()
    page.reload()
    env.rendered(page)
    mine = comment(page, "Soon deleted")
    mine.get_by_role("button", name="Delete").click()
    mine.get_by_role("button", name="Yes, delete").click()
    tomb = page.locator(f".cs-c[data-id='{cid}']")
    expect(tomb.locator(".cs-tomb")).to_have_text("This comment was deleted.")
    expect(tomb.locator(".cs-replies .cs-text")).to_have_text(["An answer"])


def test_edit_controls_vanish_when_the_window_closes(env):
    env.site()
    env.page()
    context = env.new_context()
    context.clock.install()
    page = env.open(context=context)
    post(page, "Quick edit window")
    mine = comment(page, "Quick edit window")
    expect(mine.get_by_role("button", name="Edit")).to_be_visible()
    page.clock.fast_forward("14:00")
    expect(mine.get_by_role("button", name="Delete")).to_be_visible()
    # Relative dates keep up while the page stays open.
    expect(mine.locator(".cs-date")).to_have_text("14 minutes ago")
    page.clock.fast_forward("01:30")  # past the site's 15-minute window
    expect(mine.get_by_role("button", name="Edit")).to_have_count(0)
    expect(mine.get_by_role("button", name="Delete")).to_have_count(0)
    # Still gone after a reload: the stored deadline has passed.
    page.reload()
    env.rendered(page)
    expect(comment(page, "Quick edit window").get_by_role("button", name="Edit")).to_have_count(0)


def test_held_comment_shows_the_moderation_notice(env):
    env.site(moderation="all")
    env.page()
    page = env.open()
    post(page, "Please approve me")
    expect(page.locator("form.cs-form .cs-msg")).to_have_text(
        "Your comment is awaiting moderation."
    )
    held = comment(page, "Please approve me")
    expect(held.locator(".cs-badge")).to_have_text("Your comment is awaiting moderation.")
    expect(held.get_by_role("button", name="Reply")).to_have_count(0)  # can't reply yet
    # Held comments are not counted.
    expect(page.locator(".cs-count")).to_have_text("0 Comments")
    cid = int(held.get_attribute("data-id"))
    assert env.comment_status(cid) == "pending"


def test_fast_submit_is_held_by_the_bot_timer(env):
    env.site(min_elapsed_ms=60_000)
    env.page()
    page = env.open()
    post(page, "Posted in a hurry")
    expect(page.locator("form.cs-form .cs-msg")).to_have_text(
        "Your comment is awaiting moderation."
    )


def test_subscribe_explains_the_outcome(env):
    env.site()
    env.page()
    page = env.open()
    sub = page.locator("form.cs-sub")
    sub.get_by_role("button", name="Subscribe").click()
    expect(sub.locator(".cs-msg")).to_have_text("Please enter your email address.")
    sub.get_by_label("Notify of").select_option("replies")
    sub.get_by_label("Email for notifications").fill("reader@example.org")
    with page.expect_request(lambda r: "/api/subscriptions" in r.url and r.method == "POST") as req:
        sub.get_by_role("button", name="Subscribe").click()
    body = json.loads(req.value.post_data)
    assert body == {"site": env.slug, "url": env.url, "email": "reader@example.org",
                    "kind": "replies"}
    expect(sub.locator(".cs-msg")).to_have_text(
        "Almost done: please confirm the link we just emailed you."
    )
    expect(sub.locator(".cs-msg")).not_to_have_class(re.compile("cs-err"))


def test_subscribe_error_is_shown_in_words(env):
    env.site()
    env.page()
    page = env.open()
    sub = page.locator("form.cs-sub")
    sub.get_by_label("Email for notifications").fill("not-an-email")
    sub.get_by_role("button", name="Subscribe").click()
    expect(sub.locator(".cs-err")).to_have_text(re.compile(r"^Please check the form: Email: .+"))
