"""Reading a thread: what a reader sees, sorting, load more, the inline/all toggle."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def comment(page, text):
    """The <li> of the comment whose body contains text (own body, not a reply's)."""
    return page.locator(".cs-c", has=page.locator(":scope > .cs-box > .cs-text", has_text=text))


def test_thread_shows_everything_a_reader_needs(env):
    env.site()
    env.page()
    first = env.seed("Great news for **cyclists**.", name="Ada", days_ago=17)
    env.seed("Agreed!", parent=first, days_ago=3)
    env.vote(first, 1, "voter-token-aaaaaaaaaaaaaaaa")
    env.vote(first, 1, "voter-token-bbbbbbbbbbbbbbbb")
    env.vote(first, -1, "voter-token-cccccccccccccccc")
    page = env.open()

    expect(page.locator(".cs-count")).to_have_text("2 Comments")
    expect(page.get_by_label("Notify of")).to_contain_text("new follow-up comments")
    expect(page.get_by_label("Notify of")).to_contain_text("new replies to my comments")
    for name in ("Oldest", "Newest", "Most Voted", "Inline Feedbacks", "View all comments"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Oldest")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_placeholder("Would love your thoughts, please comment.")).to_be_visible()

    ada = comment(page, "Great news")
    expect(ada.locator(":scope > img.cs-av")).to_have_attribute(
        "src", re.compile(rf"^{env.service}/api/avatars/[0-9a-f]+\.svg$")
    )
    expect(ada.locator(".cs-name").first).to_have_text("Ada")
    date = ada.locator(".cs-date").first
    expect(date).to_have_text("17 days ago")
    # The full date is on hover.
    expect(date).to_have_attribute("title", re.compile(r"\d{4}"))
    expect(ada.locator(".cs-text strong").first).to_have_text("cyclists")
    up = ada.locator(":scope > .cs-box .cs-up")
    down = ada.locator(":scope > .cs-box .cs-down")
    expect(up).to_have_text(re.compile(r"Vote up\s*2"))
    expect(down).to_have_text(re.compile(r"Vote down\s*1"))
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(ada.get_by_role("button", name="Reply").first).to_be_visible()

    # The reply nests under its parent, shown as "guest" since it has no name.
    reply = ada.locator(":scope > .cs-replies > .cs-c")
    expect(reply).to_have_count(1)
    expect(reply.locator(".cs-name")).to_have_text("guest")
    expect(reply.locator(".cs-date")).to_have_text("3 days ago")


def test_singular_count_and_empty_thread(env):
    env.site()
    env.page("/empty")
    page = env.open()
    expect(page.locator(".cs-count")).to_have_text("0 Comments")
    expect(page.get_by_text("Be the first to comment.")).to_be_visible()
    env.page("/one")
    env.seed("Only one")
    page = env.open()
    expect(page.locator(".cs-count")).to_have_text("1 Comment")


def test_author_website_only_as_http_link(env):
    env.site()
    env.page()
    env.seed("Linked", name="Bo", author_website="https://bo.example.net/")
    with env.app.app_context():
        # A stored javascript: URL (say from an old import) must never become a link.
        from commentsvc.extensions import db
        from commentsvc.models import Comment

        cid = env.seed("Hostile", name="Eve")
        db.session.get(Comment, cid).author_website = "javascript:alert(1)"
        db.session.commit()
    page = env.open()
    link = comment(page, "Linked").locator("a.cs-name")
    expect(link).to_have_attribute("href", "https://bo.example.net/")
    expect(link).to_have_attribute("rel", "nofollow ugc noopener")
    eve = comment(page, "Hostile").locator(".cs-name")
    expect(eve).to_have_text("Eve")
    assert eve.evaluate("e => e.tagName") == "SPAN"


def test_sort_tabs_reorder_the_thread(env):
    env.site()
    env.page()
    old = env.seed("Old and loved", days_ago=5)
    env.seed("Middle", days_ago=3)
    env.seed("Brand new", days_ago=1)
    for n in range(3):
        env.vote(old, 1, f"voter-token-{n:020d}")
    page = env.open()
    texts = page.locator(".cs-list > .cs-c > .cs-box > .cs-text")
    expect(texts).to_have_text(["Old and loved", "Middle", "Brand new"])
    page.get_by_role("button", name="Newest").click()
    expect(texts).to_have_text(["Brand new", "Middle", "Old and loved"])
    expect(page.get_by_role("button", name="Newest")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Oldest")).to_have_attribute("aria-pressed", "false")
    env.vote(env.seed("Late but popular", days_ago=0), 1, "voter-token-zzzzzzzzzzzzzzzz")
    page.get_by_role("button", name="Most Voted").click()
    expect(texts).to_have_text(["Old and loved", "Late but popular", "Middle", "Brand new"])


def test_data_sort_sets_the_initial_order(env):
    env.site()
    env.page(sort="newest")
    env.seed("Earlier", days_ago=2)
    env.seed("Later", days_ago=1)
    page = env.open()
    expect(page.locator(".cs-list > .cs-c .cs-text")).to_have_text(["Later", "Earlier"])
    expect(page.get_by_role("button", name="Newest")).to_have_attribute("aria-pressed", "true")


def test_load_more_follows_the_cursor(env):
    env.site()
    env.page()
    for n in range(45):
        env.seed(f"Comment number {n:02d}", days_ago=50 - n)
    page = env.open()
    items = page.locator(".cs-list > .cs-c")
    expect(items).to_have_count(20)
    more = page.get_by_role("button", name="Load more comments")
    more.click()
    expect(items).to_have_count(40)
    # Keyboard focus continues at the first newly loaded comment.
    expect(items.nth(20)).to_be_focused()
    more.click()
    expect(items).to_have_count(45)
    expect(more).to_be_hidden()
    texts = items.locator(":scope > .cs-box > .cs-text").all_inner_texts()
    assert texts == [f"Comment number {n:02d}" for n in range(45)]
    expect(page.locator(".cs-count")).to_have_text("45 Comments")


def test_inline_toggle_filters_to_anchored_comments(env):
    env.site()
    env.page()
    env.seed("General remark")
    env.seed("About the lanes", anchor={"exact": "riverside bike lanes", "prefix": "", "suffix": ""})
    page = env.open()
    texts = page.locator(".cs-list > .cs-c .cs-text")
    expect(texts).to_have_count(2)
    with page.expect_request(lambda r: "inline=only" in r.url):
        page.get_by_role("button", name="Inline Feedbacks").click()
    expect(texts).to_have_text(["About the lanes"])
    expect(page.locator(".cs-quote")).to_have_text("riverside bike lanes")
    expect(page.get_by_role("button", name="Inline Feedbacks")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="View all comments").click()
    expect(texts).to_have_count(2)


def test_locked_thread_reads_but_offers_no_form(env):
    env.site()
    env.page()
    env.seed("Before the lock")
    env.set_thread(locked=True)
    page = env.open()
    expect(page.locator(".cs-text")).to_have_text(["Before the lock"])
    expect(page.get_by_text("Comments are closed.")).to_be_visible()
    expect(page.locator("form.cs-form")).to_be_hidden()
    expect(page.get_by_role("button", name="Reply")).to_have_count(0)


def test_unknown_site_is_explained(env):
    env.site()
    env.page(site="no-such-site")
    page = env.open()
    expect(page.locator(".cs-msg.cs-err")).to_contain_text("Comments could not be loaded.")
