"""A real 429 from flask-limiter (one post a minute here) is shown with its Retry-After."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PROMPT = "Would love your thoughts, please comment."


@pytest.fixture
def app_config(app_config):
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_POST="1/minute")
    return app_config


def test_rate_limited_post_says_when_to_retry_and_keeps_the_text(env):
    env.site()
    env.page()
    page = env.open()
    form = page.locator("form.cs-form").first
    form.get_by_placeholder(PROMPT).fill("First one goes through")
    form.get_by_role("button", name="Post Comment").click()
    expect(page.locator(".cs-list .cs-text")).to_have_text(["First one goes through"])
    form.get_by_placeholder(PROMPT).fill("Second one is too fast")
    form.get_by_role("button", name="Post Comment").click()
    error = form.locator(".cs-err")
    expect(error).to_have_text(
        re.compile(r"^Too many requests\. Please try again in \d+ seconds?\.$")
    )
    expect(form.get_by_placeholder(PROMPT)).to_have_value("Second one is too fast")
