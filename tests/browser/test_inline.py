"""Inline feedback (issue 6): select a passage, comment on it, see it highlighted on reload."""
import gzip

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Comment
from tests.browser.conftest import CHROMIUM
from tests.browser.conftest import CHROMIUM_ARGS

pytestmark = pytest.mark.browser

ARTICLE = (
    "<h1>Bike lanes approved</h1>"
    "<p>After two years of debate the council approved the riverside bike lanes. The lanes run "
    "along the <em>east bank of the river</em> and link the campus with the station.</p>"
    "<p>Shop owners asked for a delivery zone. The riverside bike lanes open in autumn.</p>"
)
NARROW = "<style>article { max-width: 560px; }</style>"
MARKERS = "[data-commentsvc-inline] button.m"
GO = "[data-commentsvc-inline] button.go"
RANGES = """(name) => { const h = CSS.highlights.get(name);
  return h ? [...h].map(r => r.toString()) : null }"""
# Where a text sits in the article: the nth occurrence as a DOM range.
FIND = """([text, nth]) => {
  const walk = document.createTreeWalker(document.querySelector('article'), NodeFilter.SHOW_TEXT);
  const nodes = [];
  let all = '';
  for (let n; (n = walk.nextNode());) { nodes.push([n, all.length]); all += n.data; }
  let at = -1;
  for (let i = 0; i <= nth; i++) at = all.indexOf(text, at + 1);
  if (at < 0) throw new Error('not in the article: ' + text);
  const point = (i, end) => {
    for (const [n, s] of nodes) if (i < s + n.data.length || (end && i === s + n.data.length)) return [n, i - s];
  };
  const r = document.createRange();
  r.setStart(...point(at));
  r.setEnd(...point(at + text.length, true));
  return r;
}"""
SNAPSHOT = """() => { const a = document.querySelector('article');
  return {html: a.innerHTML, text: a.textContent,
          boxes: [a, ...a.querySelectorAll('*')].map(e => JSON.stringify(e.getBoundingClientRect()))} }"""


@pytest.fixture(scope="module")
def caret_browser(browser):
    """Chromium with caret browsing (F7), how keyboard users select text on a page."""
    caret = browser.browser_type.launch(executable_path=CHROMIUM,
                                        args=[*CHROMIUM_ARGS, "--enable-caret-browsing"])
    yield caret
    caret.close()


def wait_inline(page):
    """The inline module ran: the highlight registry has our (maybe empty) entry."""
    page.wait_for_function("() => CSS.highlights.has('commentsvc')", timeout=15000)


def highlighted(page, name="commentsvc"):
    return page.evaluate(RANGES, name)


def drag_select(page, text, nth=0):
    """Select a text with the mouse: press at its first character, release at its last."""
    box = page.evaluate(f"""(args) => {{ const r = ({FIND})(args);
      const rects = [...r.getClientRects()].filter(x => x.width > 0);
      const a = rects[0], b = rects[rects.length - 1];
      return [a.left + 1, a.top + a.height / 2, b.right - 1, b.top + b.height / 2] }}""", [text, nth])
    page.mouse.move(box[0], box[1])
    page.mouse.down()
    page.mouse.move(box[2], box[3], steps=8)
    page.mouse.up()
    assert page.evaluate("() => getSelection().toString()") == text


def stored_anchors(env):
    with env.app.app_context():
        return [c.anchor for c in db.session.scalars(select(Comment).order_by(Comment.id))]


def test_mouse_selection_post_and_highlight_after_reload(env, artifacts):
    env.site()
    env.page(body=ARTICLE, head=NARROW)
    page = env.open()
    wait_inline(page)
    assert highlighted(page) == []
    drag_select(page, "council approved the riverside")
    go = page.locator(GO)
    expect(go).to_be_visible()
    expect(go).to_have_text("Comment on this")
    # The button sits just under the selection.
    sel_bottom = page.evaluate("() => getSelection().getRangeAt(0).getBoundingClientRect().bottom")
    assert 0 <= go.bounding_box()["y"] - sel_bottom < 40
    go.click()
    quote = page.locator("form.cs-form .cs-anchor .cs-quote")
    expect(quote).to_have_text("council approved the riverside")
    textarea = page.get_by_placeholder("Would love your thoughts, please comment.")
    expect(textarea).to_be_focused()
    assert highlighted(page, "commentsvc-draft") == ["council approved the riverside"]
    page.screenshot(path=str(artifacts / "inline-compose.png"), full_page=True)
    textarea.fill("Which council members voted against?")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator(".cs-list .cs-quote")).to_have_text("council approved the riverside")
    # Posted: the quote leaves the form, the passage is highlighted with a marker.
    expect(quote).to_have_count(0)
    expect(page.locator(MARKERS)).to_have_text(["1"])
    assert stored_anchors(env) == [{
        "exact": "council approved the riverside",
        "prefix": "approved After two years of debate the",  # 32 characters besides spaces
        "suffix": "bike lanes. The lanes run along the eas",
    }]

    page.reload()
    env.rendered(page)
    wait_inline(page)
    assert highlighted(page) == ["council approved the riverside"]
    marker = page.locator(MARKERS)
    expect(marker).to_have_text(["1"])
    expect(marker).to_have_attribute(
        "aria-label", "1 comment on this passage: council approved the riverside")
    # The marker sits right of the article, level with the passage.
    line = page.evaluate("() => CSS.highlights.get('commentsvc').values().next().value"
                         ".getClientRects()[0].toJSON()")
    article = page.locator("article").bounding_box()
    box = marker.bounding_box()
    assert box["x"] >= article["x"] + article["width"]
    assert abs((box["y"] + box["height"] / 2) - (line["top"] + line["height"] / 2)) < 4


def test_keyboard_selection_across_an_inline_element(env, caret_browser):
    """Caret at a word, Shift+Arrow keys select into the <em>; Tab reaches the button."""
    env.browser = caret_browser
    env.site()
    env.page(body=ARTICLE)
    page = env.open()
    wait_inline(page)
    passage = "along the east bank"
    page.evaluate(f"""(args) => {{ const r = ({FIND})(args);
      getSelection().collapse(r.startContainer, r.startOffset) }}""", [passage, 0])
    for _ in passage:
        page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("() => getSelection().toString()") == passage
    go = page.locator(GO)
    expect(go).to_be_visible()
    page.keyboard.press("Tab")
    expect(go).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("form.cs-form .cs-quote")).to_have_text(passage)
    textarea = page.get_by_placeholder("Would love your thoughts, please comment.")
    expect(textarea).to_be_focused()
    assert textarea.get_attribute("aria-describedby") == "cs-inline-quote"
    page.keyboard.type("Is the east bank path wide enough?")
    for _ in range(4):  # name, email, website, Post Comment
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Post Comment")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".cs-list .cs-quote")).to_have_text(passage)
    assert stored_anchors(env)[0]["exact"] == passage

    # The shortcut opens the form straight from a keyboard selection.
    page.evaluate(f"""(args) => {{ const r = ({FIND})(args);
      document.activeElement.blur();
      getSelection().collapse(r.startContainer, r.startOffset) }}""", ["link the campus", 0])
    for _ in range(3):
        page.keyboard.press("Shift+Control+ArrowRight")
    assert page.evaluate("() => getSelection().toString().trim()") == "link the campus"
    page.keyboard.press("Alt+Shift+C")
    expect(page.locator("form.cs-form .cs-quote")).to_have_text("link the campus")
    expect(textarea).to_be_focused()
    # "Remove quote" forgets the passage.
    page.get_by_role("button", name="Remove quote").click()
    expect(page.locator("form.cs-form .cs-quote")).to_have_count(0)

    page.reload()
    env.rendered(page)
    wait_inline(page)
    assert highlighted(page) == [passage]
    # The range starts in a plain text node and ends inside the <em>.
    tags = page.evaluate("""() => { const r = CSS.highlights.get('commentsvc').values().next().value;
      return [r.startContainer.parentElement.tagName, r.endContainer.parentElement.tagName] }""")
    assert tags == ["P", "EM"]
    expect(page.locator(MARKERS)).to_have_text(["1"])


def start_of(page, index=0):
    """Which paragraph and character offset the nth highlighted range starts at."""
    return page.evaluate("""(i) => { const r = [...CSS.highlights.get('commentsvc')][i];
      const p = r.startContainer.parentElement.closest('p');
      return [[...document.querySelectorAll('article p')].indexOf(p), r.startOffset] }""", index)


def test_a_passage_that_occurs_twice_is_told_apart_by_prefix_and_suffix(env):
    env.site()
    env.page(body=ARTICLE)
    second = {"exact": "riverside bike lanes", "prefix": "a delivery zone. The ",
              "suffix": " open in autumn."}
    env.seed("Autumn? They said spring.", anchor=second)
    env.seed("Also autumn.", anchor=second)
    page = env.open()
    wait_inline(page)
    assert highlighted(page) == ["riverside bike lanes"]
    assert start_of(page) == [1, len("Shop owners asked for a delivery zone. The ")]
    expect(page.locator(MARKERS)).to_have_text(["2"])

    env.seed("First mention", anchor={"exact": "riverside bike lanes",
                                      "prefix": "the council approved the ", "suffix": ". The"})
    page.reload()
    env.rendered(page)
    wait_inline(page)
    assert highlighted(page) == ["riverside bike lanes", "riverside bike lanes"]
    assert [start_of(page, 0)[0], start_of(page, 1)[0]] == [0, 1]
    expect(page.locator(MARKERS)).to_have_text(["1", "2"])


def test_edited_article_keeps_moved_passages_and_lists_lost_ones(env):
    env.site()
    # The article as it is now: re-wrapped and re-spaced, one sentence rewritten.
    edited = ARTICLE.replace("the council approved the riverside bike lanes",
                             "the council\n   approved   the\n riverside  <b>bike</b> lanes")
    edited = edited.replace("Shop owners asked for a delivery zone.", "Shops were consulted.")
    env.page(body=edited)
    env.seed("Approved at last", anchor={"exact": "council approved the riverside bike lanes",
                                         "prefix": "debate the ", "suffix": ". The lanes"})
    env.seed("Which shops?", anchor={"exact": "Shop owners asked for a delivery zone.",
                                     "prefix": "", "suffix": " The riverside"})
    env.seed("A general remark")
    page = env.open()
    wait_inline(page)
    assert highlighted(page) == ["council\n   approved   the\n riverside  bike lanes"]
    expect(page.locator(MARKERS)).to_have_text(["1"])
    # The lost passage's comment stays listed and says why it has no highlight.
    expect(page.locator(".cs-list > .cs-c")).to_have_count(3)
    lost = page.locator(".cs-c", has_text="Which shops?")
    expect(lost.locator(".cs-stale")).to_have_text("Passage no longer in the article")
    expect(lost.locator(".cs-quote")).to_have_text("Shop owners asked for a delivery zone.")
    expect(page.locator(".cs-stale")).to_have_count(1)
    # Also in the "Inline Feedbacks" view.
    page.get_by_role("button", name="Inline Feedbacks").click()
    expect(page.locator(".cs-list > .cs-c")).to_have_count(2)
    expect(page.locator(".cs-stale")).to_have_count(1)


def test_marker_and_toggle_filter_to_anchored_comments(env):
    env.site()
    env.page(body=ARTICLE)
    east = {"exact": "east bank of the river", "prefix": "along the ", "suffix": " and link"}
    env.seed("General remark")
    env.seed("About the bank", anchor=east)
    env.seed("About the council", anchor={"exact": "council approved", "prefix": "",
                                          "suffix": ""})
    env.seed("Bank again", anchor=east)
    page = env.open()
    wait_inline(page)
    texts = page.locator(".cs-list > .cs-c > .cs-box > .cs-text")
    expect(texts).to_have_count(4)
    expect(page.locator(MARKERS)).to_have_text(["1", "2"])
    inline_tab = page.get_by_role("button", name="Inline Feedbacks")

    # The toggle: only anchored comments, then all again.
    inline_tab.click()
    expect(texts).to_have_text(["About the bank", "About the council", "Bank again"])
    page.get_by_role("button", name="View all comments").click()
    expect(texts).to_have_count(4)

    # A marker: only its passage's comments, scrolled to and focused.
    marker = page.locator(MARKERS).nth(1)
    expect(marker).to_have_attribute("aria-label",
                                     "2 comments on this passage: east bank of the river")
    marker.click()
    expect(texts).to_have_text(["About the bank", "Bank again"])
    expect(inline_tab).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".cs-filter q")).to_have_text("east bank of the river")
    expect(page.locator(".cs-list > .cs-c").first).to_be_focused()
    expect(page.locator(".cs-list > .cs-c").first).to_be_in_viewport()
    assert highlighted(page, "commentsvc-active") == ["east bank of the river"]
    page.get_by_role("button", name="Show all inline feedback").click()
    expect(texts).to_have_text(["About the bank", "About the council", "Bank again"])
    expect(page.locator(".cs-filter")).to_have_count(0)
    assert highlighted(page, "commentsvc-active") is None
    # By keyboard: the marker is a focusable button.
    page.locator(MARKERS).first.focus()
    page.keyboard.press("Enter")
    expect(texts).to_have_text(["About the council"])


def test_highlighting_changes_no_text_and_no_layout_and_is_removable(env):
    env.site()
    env.page("/plain", body=ARTICLE, head=NARROW, site="", article=".none")
    plain = env.open(wait=False)
    plain.wait_for_load_state("load")
    before = plain.evaluate(SNAPSHOT)
    env.page(body=ARTICLE, head=NARROW)
    env.seed("Spans the em", anchor={"exact": "along the east bank", "prefix": "", "suffix": ""})
    page = env.open()
    wait_inline(page)
    assert highlighted(page) == ["along the east bank"]
    expect(page.locator(MARKERS)).to_have_count(1)
    drag_select(page, "campus with the station")
    expect(page.locator(GO)).to_be_visible()
    # Same text, same markup, same boxes as the page without the widget.
    assert page.evaluate(SNAPSHOT) == before
    assert page.evaluate("() => document.adoptedStyleSheets.length") == 1

    page.evaluate("() => document.getElementById('commentsvc')"
                  ".dispatchEvent(new Event('commentsvc:destroy'))")
    assert page.evaluate("() => [...CSS.highlights.keys()]") == []
    assert page.evaluate("() => document.adoptedStyleSheets.length") == 0
    expect(page.locator("[data-commentsvc-inline]")).to_have_count(0)
    assert page.evaluate(SNAPSHOT) == before
    # The thread itself keeps working.
    expect(page.locator(".cs-quote")).to_have_text("along the east bank")


def test_no_article_no_inline_module(env):
    env.site()
    env.page(body=ARTICLE, article="#no-such-element")
    page = env.open()
    expect(page.locator(".cs-count")).to_have_text("0 Comments")
    page.wait_for_load_state("networkidle")
    assert not any(url.endswith("/inline.js") for url in env.requests)
    assert page.evaluate("() => CSS.highlights.size") == 0


def test_axe_clean_with_markers_button_and_quote(env, axe_source):
    env.site()
    env.page(body=ARTICLE, head=NARROW)
    env.seed("About the bank", anchor={"exact": "east bank of the river", "prefix": "",
                                       "suffix": ""})
    env.seed("A passage that was cut", anchor={"exact": "no longer here", "prefix": "",
                                               "suffix": ""})
    page = env.open()
    wait_inline(page)
    drag_select(page, "debate the council")
    page.locator(GO).click()
    drag_select(page, "link the campus")
    expect(page.locator(GO)).to_be_visible()
    page.add_script_tag(content=axe_source)
    violations = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}));
        }"""
    )
    print("axe (inline):", violations)
    assert [v for v in violations if v["impact"] in ("serious", "critical")] == []


def test_german_strings(env):
    env.site()
    env.page(body=ARTICLE, lang="de")
    env.seed("Ja", anchor={"exact": "east bank", "prefix": "", "suffix": ""})
    env.seed("Nein", anchor={"exact": "east bank", "prefix": "", "suffix": ""})
    page = env.open()
    wait_inline(page)
    expect(page.locator(MARKERS)).to_have_attribute(
        "aria-label", "2 Kommentare zu dieser Stelle: east bank")
    drag_select(page, "campus")
    expect(page.locator(GO)).to_have_text("Hierzu kommentieren")


def test_inline_module_size(client, widget_build, metrics):
    body = client.get("/inline.js", headers={"Accept-Encoding": "identity"}).data
    assert body == (widget_build / "inline.js").read_bytes()
    assert body.lstrip().startswith(b"const ") and b"export" in body  # an ES module
    gz = len(gzip.compress(body, compresslevel=9))
    metrics["inline.js (on demand)"] = f"{len(body)} B, {gz} B gzipped"
    assert gz <= 6 * 1024


def test_demo_page_with_inline_feedback_screenshot(env, artifacts):
    from tests.browser.test_demo import seed_demo

    seed_demo(env)
    page = env.open(f"{env.service}/demo", viewport={"width": 1100, "height": 900})
    wait_inline(page)
    assert highlighted(page) == ["a line of paint between you and a delivery van"]
    expect(page.locator(MARKERS)).to_have_text(["1"])
    drag_select(page, "protected bike lane along the east bank")
    expect(page.locator(GO)).to_be_visible()
    page.locator(".story-body").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "inline-demo.png"))
    page.locator(MARKERS).click()
    expect(page.locator(".cs-filter")).to_be_visible()
    page.screenshot(path=str(artifacts / "inline-demo-filtered.png"))
    # A phone: no margin beside the article, the marker sits at the end of the passage.
    page.set_viewport_size({"width": 390, "height": 800})
    page.locator("em").first.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('[data-commentsvc-inline]').shadowRoot"
                           ".querySelector('.m').getBoundingClientRect().right <= 390")
    last_line = page.evaluate("() => [...[...CSS.highlights.get('commentsvc')][0]"
                              ".getClientRects()].pop().toJSON()")
    box = page.locator(MARKERS).bounding_box()
    assert abs(box["x"] - last_line["right"]) < 4 and box["y"] < last_line["top"]
    page.screenshot(path=str(artifacts / "inline-demo-mobile.png"))
