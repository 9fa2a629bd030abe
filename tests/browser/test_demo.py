"""The /demo article with a lively thread: screenshots (light, dark) for a human to look at."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

THREAD = [
    # (key, parent key, name, website, days ago, text, up, down, anchor)
    ("harriet", None, "Harriet Vale", None, 17,
     "Finally! I have cycled to the station for eight years and the Mill Street stretch is "
     "the scariest part of the trip. **Good decision.**", 12, 1, None),
    ("tom", "harriet", "Tom Becker", None, 16,
     "Scariest part *for now*. Wait until the works start and the detour goes through "
     "Harbour Road.", 4, 0, None),
    ("harriet2", "tom", "Harriet Vale", None, 16,
     "Fair point, but a few months of detour for decades of safe lanes seems like a good "
     "trade to me.", 6, 0, None),
    ("guest", None, "", None, 9,
     "Forty parking spaces is not nothing for the shops on Mill Street. Has anyone asked them "
     "what a delivery zone at each end would cost?", 5, 3, None),
    ("lena", None, "Lena Marsh", "https://lenamarsh.example.net", 2,
     "The council should publish the counter data *before* the works too, otherwise there is "
     "nothing to compare with. [Here is how another city did it](https://example.org/counters).",
     7, 0, None),
    ("paint", None, "Jonas", None, 1,
     "This is exactly how it felt on my way to work every single morning.", 3, 0,
     {"exact": "a line of paint between you and a delivery van", "prefix": "long called ",
      "suffix": ". The city"}),
]


def seed_demo(env):
    env.make_site("demo", (env.service,), min_elapsed_ms=0)
    env.slug = "demo"
    env.url = f"{env.service}/demo"
    ids = {}
    for key, parent, name, website, days, text, up, down, anchor in THREAD:
        ids[key] = env.seed(text, name=name, parent=ids.get(parent), days_ago=days,
                            author_website=website, anchor=anchor)
        for n in range(up + down):
            env.vote(ids[key], 1 if n < up else -1, f"demo-voter-{key}-{n:04d}-padding")
    return ids


@pytest.mark.parametrize("name, scheme, width", [
    ("light", "light", 1100), ("dark", "dark", 1100), ("mobile", "light", 390),
])
def test_demo_page_screenshot(env, artifacts, name, scheme, width):
    seed_demo(env)
    page = env.open(f"{env.service}/demo", color_scheme=scheme,
                    viewport={"width": width, "height": 900})
    expect(page.locator(".cs-count")).to_have_text("6 Comments")
    expect(page.locator(".byline [data-commentsvc-count]")).to_have_text("6 Comments")
    expect(page.locator(".cs-c")).to_have_count(6)
    # Show the reader's own vote and an open reply form, as in real use.
    page.locator(".cs-c").first.locator(".cs-up").first.click()
    expect(page.locator(".cs-c").first.locator(".cs-up").first).to_have_attribute(
        "aria-pressed", "true")
    page.evaluate("document.fonts.ready")
    path = artifacts / f"demo-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000
    widget = page.locator("#commentsvc")
    widget.screenshot(path=str(artifacts / f"demo-widget-{name}.png"))
