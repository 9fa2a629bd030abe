"""Qualities: keyboard, axe-core, shadow DOM isolation, size, first render, i18n, themes."""
import gzip
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PROMPT = "Would love your thoughts, please comment."
WIDGET = Path(__file__).resolve().parents[2] / "widget"
SIZE_BUDGET = 10 * 1024
INNER_FOCUS = "() => document.getElementById('commentsvc').shadowRoot.activeElement"


def tab_to(page, selector, limit=80):
    """Press Tab until the focused element inside the widget matches selector."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const a = ({INNER_FOCUS})(); return !!a && a.matches({selector!r}) }}"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_post_and_vote_with_visible_focus(env):
    env.site()
    env.page()
    other = env.seed("Someone else's comment", name="Ada")
    page = env.open()
    tab_to(page, "textarea.cs-ta")
    page.keyboard.type("Typed with the keyboard only")
    tab_to(page, "input[name=name]")
    page.keyboard.type("Kim")
    tab_to(page, "button[type=submit].cs-btn")
    # The focused control shows a visible focus ring.
    outline = page.evaluate(f"() => {{ const s = getComputedStyle(({INNER_FOCUS})()); return [s.outlineStyle, s.outlineWidth] }}")
    assert outline[0] != "none" and float(outline[1].rstrip("px")) >= 2
    page.keyboard.press("Enter")
    expect(page.locator(".cs-list .cs-text", has_text="Typed with the keyboard only")).to_be_visible()
    expect(page.locator(".cs-list .cs-name", has_text="Kim")).to_be_visible()

    up = f".cs-c[data-id='{other}'] > .cs-box .cs-up"
    page.evaluate("() => document.activeElement.blur()")
    page.locator(".cs-count").focus()
    tab_to(page, up)
    page.keyboard.press("Space")
    expect(page.locator(up)).to_have_attribute("aria-pressed", "true")
    # Focus stays on the pressed button, so a second press withdraws the vote.
    page.keyboard.press("Enter")
    expect(page.locator(up)).to_have_attribute("aria-pressed", "false")
    expect(page.locator(up)).to_have_text(re.compile(r"up\s*0$"))

    # Reply by keyboard: Enter on Reply focuses the reply box; Escape closes it again
    # and returns focus to Reply.
    reply = f".cs-c[data-id='{other}'] > .cs-box .cs-foot .cs-link"
    tab_to(page, reply)
    page.keyboard.press("Enter")
    assert page.evaluate(f"() => ({INNER_FOCUS})().getAttribute('name')") == "text"
    page.keyboard.press("Escape")
    expect(page.locator("form.cs-rform")).to_have_count(0)
    expect(page.locator(reply)).to_be_focused()

    # No cookies anywhere: none set, none sent.
    assert page.context.cookies() == []
    assert page.evaluate("document.cookie") == ""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violations(env, axe_source, scheme):
    env.site()
    env.page()
    first = env.seed("A comment with a [link](https://example.org) and `code`.", name="Ada",
                     author_website="https://ada.example.org", days_ago=2)
    env.seed("A reply", parent=first)
    env.vote(first, 1, "voter-token-aaaaaaaaaaaaaaaa")
    page = env.open(color_scheme=scheme)
    page.locator(".cs-c").first.get_by_role("button", name="Reply").first.click()
    page.locator("form.cs-form").first.get_by_role("button", name="Post Comment").click()
    expect(page.locator(".cs-err").first).to_be_visible()
    page.add_script_tag(content=axe_source)
    violations = page.evaluate(
        """async () => {
            const r = await axe.run(document.getElementById('commentsvc'), {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}));
        }"""
    )
    print(f"axe ({scheme}):", violations)
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert bad == []


HOSTILE = """<style>
* { all: unset !important; }
div { display: none !important; }
p { color: rgb(200, 0, 0); font-size: 31px; }
button { background: rgb(1, 2, 3); }
</style>"""
PROBE = """() => [...document.querySelectorAll('h1, p, .host-button')].map(e => {
  const s = getComputedStyle(e);
  return [e.tagName, s.color, s.fontSize, s.display, s.backgroundColor, s.fontFamily].join('|');
})"""


def test_hostile_host_css_neither_breaks_nor_is_changed(env):
    env.site()
    body = "<h1>Title</h1><p>Host paragraph</p><button class='host-button'>Host button</button>"
    bare = env.page("/bare", head=HOSTILE, body=body, site="")
    bare_page = env.open(bare, wait=False)
    bare_page.wait_for_load_state("load")
    before = bare_page.evaluate(PROBE)

    env.page("/hostile", head=HOSTILE, body=body)
    env.seed("Still readable")
    page = env.open()
    assert page.evaluate(PROBE) == before  # the widget changed nothing outside itself
    widget = page.locator(".cs")
    expect(widget).to_be_visible()
    box = page.locator("form.cs-form").first.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    post_button = page.get_by_role("button", name="Post Comment")
    assert post_button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(10, 117, 88)"
    assert "system-ui" in widget.evaluate("e => getComputedStyle(e).fontFamily")
    expect(page.locator(".cs-text")).to_have_text(["Still readable"])
    page.get_by_placeholder(PROMPT).fill("Posting through hostile CSS")
    post_button.click()
    expect(page.locator(".cs-text", has_text="Posting through hostile CSS")).to_be_visible()


def test_size_budget(client, widget_build, metrics):
    response = client.get("/embed.js", headers={"Accept-Encoding": "identity"})
    body = response.data
    assert body == (widget_build / "embed.js").read_bytes()  # the tests ran against this
    gz = len(gzip.compress(body, compresslevel=9))
    served = client.get("/embed.js", headers={"Accept-Encoding": "gzip"})
    count = client.get("/count.js", headers={"Accept-Encoding": "identity"}).data
    metrics["embed.js (JS + CSS)"] = f"{len(body)} B, {gz} B gzipped (served: {len(served.data)} B)"
    metrics["count.js"] = f"{len(count)} B, {len(gzip.compress(count, 9))} B gzipped"
    print(metrics["embed.js (JS + CSS)"])
    assert served.headers["Content-Encoding"] == "gzip"
    assert gz <= SIZE_BUDGET
    assert len(served.data) <= SIZE_BUDGET


def test_first_render_of_a_50_comment_thread(env, metrics):
    env.site()
    env.page()
    for n in range(10):
        top = env.seed(f"Top comment {n} with **some** text to render.", name=f"Reader {n}",
                       days_ago=30 - n)
        for m in range(4):
            env.seed(f"Reply {m} to {n}.", parent=top, days_ago=20 - n)
    page = env.open()
    expect(page.locator(".cs-c")).to_have_count(50)
    expect(page.locator(".cs-count")).to_have_text("50 Comments")
    ms, api_ms = page.evaluate(
        """() => [performance.getEntriesByName('commentsvc:first-render')[0].duration,
                  performance.getEntriesByType('resource')
                      .find(e => e.name.includes('/api/comments')).duration]"""
    )
    metrics["first render, 50 comments"] = (
        f"{ms:.1f} ms after the script started (of which the API request: {api_ms:.1f} ms)"
    )
    print(f"first render of 50 comments: {ms:.1f} ms (API request {api_ms:.1f} ms)")
    assert ms > 0


def test_german_from_data_lang_with_plurals(env):
    env.site()
    env.page(html_lang="en", lang="de")
    env.seed("Erster", days_ago=17)
    env.seed("Zweiter", days_ago=1)
    page = env.open()
    expect(page.locator(".cs-count")).to_have_text("2 Kommentare")
    expect(page.get_by_placeholder("Wir freuen uns auf deine Meinung – kommentiere gern.")).to_be_visible()
    expect(page.get_by_role("button", name="Älteste")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".cs-date")).to_have_text(["vor 17 Tagen", "gestern"])
    expect(page.locator(".cs-name").first).to_have_text("guest")  # the server's default name


@pytest.mark.parametrize("n, text", [(1, "1 коментар"), (3, "3 коментарі"), (5, "5 коментарів")])
def test_ukrainian_from_the_page_language_uses_plural_rules(env, n, text):
    env.site()
    env.page(html_lang="uk")
    for i in range(n):
        env.seed(f"Коментар {i}")
    page = env.open()
    expect(page.locator(".cs-count")).to_have_text(text)
    expect(page.get_by_role("button", name="Найпопулярніші")).to_be_visible()


@pytest.mark.parametrize("lang", ["de", "fr", "es", "uk"])
def test_each_language_file_is_fetched_and_used(env, lang):
    strings = json.loads((WIDGET / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    env.site()
    env.page(lang=lang)
    env.seed("one")
    env.seed("two")
    page = env.open()
    expect(page.get_by_role("button", name=strings["votes"])).to_be_visible()
    expect(page.get_by_placeholder(strings["prompt"])).to_be_visible()
    expect(page.locator(".cs-count")).to_have_text(re.compile(r"^2 \S"))
    expect(page.locator(".cs")).to_have_attribute("lang", lang)
    assert any(url.endswith(f"/i18n/{lang}.json") for url in env.requests)


def test_unsupported_language_falls_back_to_english(env):
    env.site()
    env.page(html_lang="ja")
    page = env.open()
    expect(page.locator(".cs-count")).to_have_text("0 Comments")
    assert not any("/i18n/" in url for url in env.requests)


@pytest.mark.parametrize(
    "theme, scheme, background",
    [
        ("dark", "light", "rgb(22, 25, 29)"),
        ("light", "dark", "rgb(255, 255, 255)"),
        ("auto", "dark", "rgb(22, 25, 29)"),
        ("auto", "light", "rgb(255, 255, 255)"),
    ],
)
def test_themes(env, theme, scheme, background):
    env.site()
    env.page(theme=theme)
    page = env.open(color_scheme=scheme)
    assert page.locator(".cs").evaluate("e => getComputedStyle(e).backgroundColor") == background


def test_host_page_can_theme_with_custom_properties(env):
    env.site()
    env.page(head="<style>#commentsvc { --cs-accent: rgb(192, 57, 43); }</style>")
    page = env.open()
    button = page.get_by_role("button", name="Post Comment")
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(192, 57, 43)"

