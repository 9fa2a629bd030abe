"""The moderation page at /admin in headless Chromium, against the real service."""
import re

import pytest
from playwright.sync_api import expect

from tests.helpers import ORIGIN
from tests.helpers import PAGE

pytestmark = pytest.mark.browser


class Moderation:
    """The seeded site, a reader posting through the public API, and the admin page."""

    def __init__(self, client, server, token, page):
        self.client = client
        self.server = server
        self.token = token
        self.page = page

    def post(self, text, **fields):
        response = self.client.post(
            "/api/comments", query_string={"site": "blog", "url": PAGE},
            json={"text": text, **fields}, headers={"Origin": ORIGIN},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()["comment"]["id"]

    def public(self):
        body = self.client.get("/api/comments", query_string={"site": "blog", "url": PAGE},
                               headers={"Origin": ORIGIN}).get_json()
        return [c["id"] for c in body["comments"]], body["thread"]["count"]

    def sign_in(self, token=None):
        self.page.get_by_label("Site").fill("blog")
        self.page.get_by_label("Admin token").fill(token or self.token)
        self.page.get_by_role("button", name="Open the queue").click()

    def items(self):
        return self.page.locator("#comments > li")

    def ids(self):
        return [int(i) for i in self.items().evaluate_all("els => els.map(e => e.dataset.id)")]

    def item(self, comment_id):
        return self.page.locator(f'#comments > li[data-id="{comment_id}"]')

    def click(self, comment_id, action):
        self.item(comment_id).get_by_role("button", name=re.compile(f"^{action}:")).click()

    def message(self, text):
        expect(self.page.locator("#message")).to_contain_text(text)


@pytest.fixture
def moderation(client, live_server, make_site, browser):
    _, token = make_site("blog", moderation="all", min_elapsed_ms=0)
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    errors, requests = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: dialog.accept())
    yield Moderation(client, live_server, token, page)
    context.close()
    assert not errors, errors
    assert all(url.startswith(live_server) for url in requests), requests


def test_moderator_works_the_queue(moderation):
    m = moderation
    ada = m.post("A thoughtful remark", author_name="Ada", author_email="ada@example.org")
    spam = [m.post(f"Cheap pills {n}", author_email="bot@spam.example") for n in range(2)]
    meh = m.post("<img src=x onerror=alert(1)> meh")
    assert m.public() == ([], 0)

    response = m.page.goto(m.server + "/admin")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    m.sign_in()
    m.page.wait_for_selector("#comments > li")
    assert m.ids() == [meh, *reversed(spam), ada]
    # Server data is text, never markup.
    assert m.item(meh).locator(".text").inner_text().startswith("<img src=x")
    assert m.page.locator("#comments img").count() == 0
    assert "ada@example.org" in m.item(ada).inner_text()

    m.click(ada, "Approve")
    m.message(f"Comment {ada} is now approved")
    assert ada not in m.ids()
    assert m.public() == ([ada], 1)

    m.click(spam[0], "Purge author")
    m.message("Purged 2 comment(s) by bot@spam.example")
    assert m.ids() == [meh]

    m.click(meh, "Spam")
    m.message(f"Comment {meh} is now spam")
    assert m.ids() == [] and m.page.locator("#empty").is_visible()

    # Search every status; delete from there.
    m.page.get_by_label("Status").select_option("")
    expect(m.items()).to_have_count(2)
    m.page.get_by_label("Text").fill("thoughtful")
    m.page.get_by_role("button", name="Search", exact=True).click()
    expect(m.items()).to_have_count(1)
    assert m.ids() == [ada]
    m.click(ada, "Delete")
    m.message(f"Comment {ada} deleted")
    assert m.public() == ([], 0)

    # The token lives in this tab's sessionStorage only: a reload keeps the moderator in.
    m.page.reload()
    m.page.get_by_role("button", name="Sign out").wait_for()
    stored = m.page.evaluate("JSON.stringify([localStorage.length, document.cookie])")
    assert stored == '[0,""]'
    assert m.token in m.page.evaluate("sessionStorage.getItem('commentsvc:admin')")
    m.page.get_by_role("button", name="Sign out").click()
    assert m.page.evaluate("sessionStorage.length") == 0


def test_wrong_token_is_refused(moderation):
    m = moderation
    m.post("Held")
    m.page.goto(m.server + "/admin")
    m.sign_in("not-the-token")
    m.message("That token does not open this site")
    assert m.page.get_by_label("Admin token").is_visible()
    assert m.items().count() == 0
    assert m.page.evaluate("sessionStorage.length") == 0
