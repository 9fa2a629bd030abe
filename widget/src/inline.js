// inline.js: inline feedback (issue 6). embed.js imports this module only when the page has
// the article element (data-article, default "article") and calls init() once the thread
// has rendered. A reader selects a passage and comments on it; every anchored passage is
// highlighted with the CSS Custom Highlight API (the article's DOM is never touched) and
// gets a small marker button with its number of comments. Markers and the "Comment on this"
// button live in their own shadow root in an absolutely positioned, zero-size layer, so the
// page does not shift. Dispatching "commentsvc:destroy" on the widget's host element undoes
// everything (highlights, markers, the host-page stylesheet, listeners).

// English strings; the other languages are in i18n/<lang>.json next to the embed's strings.
const EN = {
  inlineAdd: "Comment on this",
  inlineRemove: "Remove quote",
  inlineMarker: { one: "{n} comment on this passage", other: "{n} comments on this passage" },
  inlineGone: "Passage no longer in the article",
  inlineOnly: "Comments on this passage",
  inlineAll: "Show all inline feedback",
};

const NAME = "commentsvc";
const SHORTCUT = "Alt+Shift+C";
// Characters of context kept before and after a passage (the API allows 64 each), and the
// longest passage the API takes.
const CONTEXT = 32;
const MAX_EXACT = 500;
// Whitespace and control characters never take part in matching: passages survive
// re-wrapped, re-indented or re-spaced articles.
const SPACE = /[\s\x00-\x1f\x7f]/;
const BLOCK = "address,article,aside,blockquote,dd,div,dl,dt,figcaption,figure,footer,h1,h2,h3,h4,h5,h6,header,li,main,nav,ol,p,pre,section,table,td,th,tr,ul";
const HIDDEN = "script,style,noscript,template";

// The page gets exactly one rule set: the highlight colours (a page may override them with
// a more specific rule such as ":root::highlight(commentsvc)").
const PAGE_CSS = `::highlight(${NAME}){background-color:rgba(255,196,0,.32)}
::highlight(${NAME}-active),::highlight(${NAME}-draft){background-color:rgba(255,150,0,.55)}`;

const LAYER_CSS = `:host{all:initial}
button{position:absolute;box-sizing:border-box;margin:0;border:2px solid #fff;cursor:pointer;font:600 13px/1 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--a,#0a7558);color:var(--o,#fff);box-shadow:0 1px 4px rgba(0,0,0,.3)}
button:hover{filter:brightness(1.1)}
button:focus-visible{outline:2px solid var(--a,#0a7558);outline-offset:2px}
.m{min-width:24px;height:24px;padding:0 7px;border-radius:12px}
.go{display:flex;align-items:center;gap:6px;padding:7px 12px;border-radius:6px;white-space:nowrap}
.go .cs-i{width:15px;height:15px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
[hidden]{display:none}`;

const WIDGET_CSS = `.cs-anchor{display:flex;align-items:flex-start;gap:8px;margin-bottom:8px}
.cs-anchor .cs-quote{flex:1;margin:0}
.cs-stale{display:block;margin:6px 0 -2px;font-size:.8em;font-weight:600;color:var(--cs-warn);font-style:normal}
.cs-stale+.cs-quote{text-decoration:line-through;text-decoration-color:var(--cs-muted)}
.cs-filter{display:flex;flex-wrap:wrap;align-items:center;gap:4px 10px;margin:8px 0 0;padding:6px 12px;border-radius:var(--cs-radius);background:var(--cs-tint);font-size:.9em}
.cs-filter q{font-style:italic;color:var(--cs-muted)}`;

const I_COMMENT = "M21 12a8 8 0 0 1-11.6 7.1L4 21l1.9-5.4A8 8 0 1 1 21 12z";

// Strip whitespace: the form passages are compared in.
const squeeze = (s) => String(s || "").replace(/[\s\x00-\x1f\x7f]+/g, "");
// Never cut a surrogate pair in half (the API refuses lone surrogates).
const whole = (s) => s.replace(/^[\udc00-\udfff]|[\ud800-\udbff]$/g, "");

// The article's text as one string without whitespace, where each character lives
// (text node and offset), and whether a space or a block boundary comes before it.
function indexText(root) {
  const text = [];
  const nodes = [];
  const offs = [];
  const gaps = [];
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement && n.parentElement.closest(HIDDEN) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  let block = null;
  let gap = false;
  for (let n; (n = walk.nextNode()); ) {
    const b = n.parentElement.closest(BLOCK);
    if (b !== block) gap = true;
    block = b;
    const s = n.data;
    for (let i = 0; i < s.length; i++) {
      if (SPACE.test(s[i])) {
        gap = true;
        continue;
      }
      text.push(s[i]);
      nodes.push(n);
      offs.push(i);
      gaps.push(gap && text.length > 1);
      gap = false;
    }
  }
  return { text: text.join(""), nodes, offs, gaps };
}

// Readable text of characters [from, to): single spaces where the article had whitespace.
const spaced = (idx, from, to) => {
  let s = "";
  for (let k = Math.max(0, from); k < Math.min(to, idx.text.length); k++) s += (idx.gaps[k] && k > from ? " " : "") + idx.text[k];
  return s;
};

// Characters of context that agree: backwards from `at` for the prefix, forwards for the suffix.
function agree(text, at, ctx, back) {
  let n = 0;
  if (back) while (n < ctx.length && text[at - 1 - n] === ctx[ctx.length - 1 - n]) n++;
  else while (n < ctx.length && text[at + n] === ctx[n]) n++;
  return n;
}

// Where an anchor is: [start, end) in idx.text, or null when the passage is gone. Every
// occurrence of the exact text is a candidate; the one whose surroundings agree best with
// the stored prefix and suffix wins (the first one on a tie).
function locate(idx, anchor) {
  const exact = squeeze(anchor && anchor.exact);
  if (!exact) return null;
  const pre = squeeze(anchor.prefix);
  const suf = squeeze(anchor.suffix);
  let best = null;
  let score = -1;
  for (let i = idx.text.indexOf(exact); i >= 0; i = idx.text.indexOf(exact, i + 1)) {
    const s = agree(idx.text, i, pre, true) + agree(idx.text, i + exact.length, suf, false);
    if (s > score) {
      best = [i, i + exact.length];
      score = s;
    }
  }
  return best;
}

function rangeOf(idx, [from, to]) {
  const r = document.createRange();
  r.setStart(idx.nodes[from], idx.offs[from]);
  r.setEnd(idx.nodes[to - 1], idx.offs[to - 1] + 1);
  return r;
}

// The TextQuoteSelector of a selected range: {exact, prefix, suffix}, or null when it holds
// no article text.
function anchorOf(idx, range) {
  const len = idx.text.length;
  let from = -1;
  let to = -1;
  for (let k = 0; k < len; ) {
    const n = idx.nodes[k];
    let end = k;
    while (end < len && idx.nodes[end] === n) end++;
    // A character is selected when the points before and after it are both in the range.
    if (range.intersectsNode(n)) {
      for (let j = k; j < end; j++) {
        if (range.comparePoint(n, idx.offs[j]) === 0 && range.comparePoint(n, idx.offs[j] + 1) === 0) {
          if (from < 0) from = j;
          to = j + 1;
        }
      }
    }
    k = end;
  }
  if (from < 0) return null;
  const exact = whole(spaced(idx, from, to).slice(0, MAX_EXACT)).trim();
  return {
    exact,
    prefix: whole(spaced(idx, from - CONTEXT, from)),
    suffix: whole(spaced(idx, to, to + CONTEXT)),
  };
}

export function init(w) {
  const { article, T, t, h, api, CFG, STATE, ROOT, UI } = w;
  for (const k of Object.keys(EN)) if (!(k in T)) T[k] = EN[k];
  const HL = typeof Highlight === "function" && window.CSS && CSS.highlights;
  const listeners = [];
  const on = (target, type, fn, opts) => {
    target.addEventListener(type, fn, opts);
    listeners.push([target, type, fn, opts]);
  };
  let idx = null;
  let comments = [];
  let groups = [];
  let pending = null;
  let quoteBox = null;
  let filterNote = null;
  let dragging = false;

  // Stylesheets: one rule set in the host document, one in the widget's shadow root.
  const sheet = (css) => {
    const s = new CSSStyleSheet();
    s.replaceSync(css);
    return s;
  };
  const pageSheet = sheet(PAGE_CSS);
  const widgetSheet = sheet(WIDGET_CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, pageSheet];
  ROOT.adoptedStyleSheets = [...ROOT.adoptedStyleSheets, widgetSheet];

  // A zero-size layer at the document's origin holds the buttons; inline !important beats
  // hostile page rules such as "div { display: none !important }".
  const layer = document.createElement("div");
  layer.setAttribute("data-commentsvc-inline", "");
  layer.style.cssText = "position:absolute!important;display:block!important;top:0!important;left:0!important;width:0!important;height:0!important;margin:0!important;padding:0!important;border:0!important;overflow:visible!important;z-index:2147483000!important";
  const colours = getComputedStyle(ROOT.host);
  layer.style.setProperty("--a", colours.getPropertyValue("--cs-accent").trim() || "#0a7558");
  layer.style.setProperty("--o", colours.getPropertyValue("--cs-on-accent").trim() || "#fff");
  const shade = layer.attachShadow({ mode: "open" });
  shade.adoptedStyleSheets = [sheet(LAYER_CSS)];
  const lang = ROOT.querySelector(".cs").lang;
  const markers = h("div");
  const go = h(
    "button",
    {
      type: "button",
      class: "go",
      hidden: true,
      "aria-keyshortcuts": SHORTCUT,
      title: `${t("inlineAdd")} (${SHORTCUT})`,
      onmousedown: (ev) => ev.preventDefault(),
      onclick: () => compose(selected() || pending),
    },
    w.icon(I_COMMENT),
    t("inlineAdd")
  );
  shade.append(h("div", { lang }, markers, go));
  document.body.append(layer);

  const text = () => idx || (idx = indexText(article));
  const origin = () => layer.getBoundingClientRect();
  const visible = (r) => Array.from(r.getClientRects()).filter((x) => x.width > 0 && x.height > 0);

  // The anchor of the current selection when it lies inside the article, else null.
  function selected() {
    const sel = document.getSelection();
    const r = sel && sel.rangeCount && !sel.isCollapsed ? sel.getRangeAt(0) : null;
    if (!r || CFG.locked || !article.contains(r.startContainer) || !article.contains(r.endContainer)) return null;
    const a = anchorOf(text(), r);
    if (a) a.range = r.cloneRange();
    return a;
  }

  // Selection → "Comment on this" button under the end of the selection.
  function onSelection() {
    pending = selected();
    const rects = pending && !dragging ? visible(pending.range) : [];
    go.hidden = !rects.length;
    if (!rects.length) return;
    const last = rects[rects.length - 1];
    const o = origin();
    const width = go.offsetWidth;
    const room = document.documentElement.clientWidth - width - 8;
    go.style.left = `${Math.max(4, Math.min(last.right - width / 2, room)) - o.left}px`;
    go.style.top = `${last.bottom + 8 - o.top}px`;
  }

  // Opens the main form with the quoted passage; posting sends the anchor.
  function compose(anchor) {
    go.hidden = true;
    if (!anchor) return;
    const { exact, prefix, suffix } = anchor;
    CFG.anchor = { exact, prefix, suffix };
    if (HL && anchor.range) CSS.highlights.set(`${NAME}-draft`, new Highlight(anchor.range));
    const id = "cs-inline-quote";
    if (quoteBox) quoteBox.remove();
    quoteBox = h(
      "div",
      { class: "cs-anchor" },
      h("blockquote", { class: "cs-quote", id, "aria-label": t("quote") }, exact),
      h("button", { type: "button", class: "cs-link", onclick: () => uncompose(true) }, t("inlineRemove"))
    );
    const ta = UI.form.querySelector("textarea");
    ta.before(quoteBox);
    ta.setAttribute("aria-describedby", id);
    ta.focus();
  }

  function uncompose(refocus) {
    CFG.anchor = null;
    if (HL) CSS.highlights.delete(`${NAME}-draft`);
    const ta = UI.form.querySelector("textarea");
    ta.removeAttribute("aria-describedby");
    if (quoteBox) quoteBox.remove();
    quoteBox = null;
    if (refocus) ta.focus();
  }

  // Every anchored comment of the thread (top level; up to 1000).
  async function fetchAnchored() {
    const all = [];
    let cursor = null;
    for (let page = 0; page < 10; page++) {
      const r = await api("GET", "/api/comments", {
        query: Object.assign(w.pageQuery(), { inline: "only", limit: 100, cursor }),
      });
      all.push(...(r.comments || []).filter((c) => c.anchor && c.anchor.exact));
      if (!(cursor = r.next_cursor)) break;
    }
    return all;
  }

  // Locate every anchor, highlight the passages and give each one a marker.
  function refresh() {
    const at = new Map();
    for (const c of comments) {
      const span = locate(text(), c.anchor);
      if (!span) continue;
      const key = span.join(":");
      if (!at.has(key)) at.set(key, { span, comments: [] });
      at.get(key).comments.push(c);
    }
    groups = Array.from(at.values()).sort((a, b) => a.span[0] - b.span[0]);
    for (const g of groups) g.range = rangeOf(text(), g.span);
    if (HL) CSS.highlights.set(NAME, new Highlight(...groups.map((g) => g.range)));
    markers.replaceChildren(
      ...groups.map((g) => {
        const n = g.comments.length;
        const excerpt = g.comments[0].anchor.exact;
        g.marker = h(
          "button",
          {
            type: "button",
            class: "m",
            "data-count": n,
            "aria-label": `${t("inlineMarker", n)}: ${excerpt.length > 80 ? `${excerpt.slice(0, 80)}…` : excerpt}`,
            onclick: () => show(g),
          },
          n.toLocaleString(lang)
        );
        return g.marker;
      })
    );
    place();
    decorate();
  }

  // Markers sit in the margin right of the article next to a passage's first line, or at
  // the end of its last line when there is no room (narrow screens).
  function place() {
    const o = origin();
    const box = article.getBoundingClientRect();
    const margin = box.right + 40 <= document.documentElement.clientWidth;
    const taken = [];
    for (const g of groups) {
      const rects = visible(g.range);
      g.marker.hidden = !rects.length;
      if (!rects.length) continue;
      const first = rects[0];
      const last = rects[rects.length - 1];
      let x = margin ? box.right + 8 : Math.min(last.right + 2, document.documentElement.clientWidth - 28);
      const y = margin ? first.top + first.height / 2 - 12 : last.top - 16;
      // Two passages on one line: the second marker moves over.
      while (taken.some(([tx, ty]) => Math.abs(tx - x) < 28 && Math.abs(ty - y) < 24)) x += margin ? 30 : -30;
      taken.push([x, y]);
      g.marker.style.left = `${x - o.left}px`;
      g.marker.style.top = `${y - o.top}px`;
    }
  }

  // Quotes of anchors that no longer match say so (they stay listed, never dropped).
  function decorate() {
    for (const q of ROOT.querySelectorAll(".cs-list .cs-quote")) {
      const gone = !locate(text(), { exact: q.textContent });
      const note = q.previousElementSibling && q.previousElementSibling.classList.contains("cs-stale") ? q.previousElementSibling : null;
      if (gone && !note) q.before(h("span", { class: "cs-stale" }, t("inlineGone")));
      if (!gone && note) note.remove();
    }
  }

  // A marker shows only its passage's comments, in the "Inline Feedbacks" view.
  function show(g) {
    const [inlineTab, allTab] = ROOT.querySelector(".cs-bar .cs-tabs").children;
    inlineTab.setAttribute("aria-pressed", "true");
    allTab.setAttribute("aria-pressed", "false");
    STATE.inline = true;
    // A list request still in flight must not replace this view.
    STATE.seq++;
    UI.list.removeAttribute("aria-busy");
    STATE.cursor = null;
    UI.more.hidden = true;
    UI.empty.hidden = true;
    UI.list.replaceChildren(...g.comments.map(w.commentEl));
    unfilter();
    filterNote = h(
      "p",
      { class: "cs-filter" },
      h("span", null, `${t("inlineOnly")}: `, h("q", null, g.comments[0].anchor.exact)),
      h("button", { type: "button", class: "cs-link", onclick: () => inlineTab.click() }, t("inlineAll"))
    );
    UI.list.before(filterNote);
    if (HL) CSS.highlights.set(`${NAME}-active`, new Highlight(g.range));
    const first = UI.list.firstElementChild;
    if (first) {
      first.tabIndex = -1;
      first.focus();
    }
  }

  function unfilter() {
    if (filterNote) filterNote.remove();
    filterNote = null;
    if (HL) CSS.highlights.delete(`${NAME}-active`);
  }

  // A comment the reader just posted (hook in main.js addComment).
  CFG.onAdd = (c) => {
    if (!c.anchor || c.parent_id) return;
    uncompose(false);
    comments.push(c);
    refresh();
  };

  on(document, "selectionchange", onSelection);
  on(document, "mousedown", () => (dragging = true), true);
  on(document, "mouseup", () => {
    dragging = false;
    onSelection();
  }, true);
  on(document, "keydown", (ev) => {
    const inPage = !ev.target.closest || !ev.target.closest("input,textarea,select,[contenteditable]");
    if (ev.altKey && ev.shiftKey && ev.code === "KeyC" && inPage) {
      const a = selected();
      if (a) {
        ev.preventDefault();
        compose(a);
      }
    } else if (go.hidden) {
      // Nothing selected: keys keep their usual meaning.
    } else if (ev.key === "Tab" && !ev.shiftKey && inPage && shade.activeElement !== go) {
      // After a keyboard selection, Tab goes to the button first.
      ev.preventDefault();
      go.focus();
    } else if (ev.key === "Escape") go.hidden = true;
  });
  // Switching tabs leaves the passage view.
  on(ROOT, "click", (ev) => ev.target.closest && ev.target.closest(".cs-tabs") && unfilter());
  on(window, "resize", place);
  on(window, "resize", onSelection);
  const sized = new ResizeObserver(() => groups.length && place());
  sized.observe(article);
  // New or re-rendered comments get their "no longer in the article" notes.
  const listed = new MutationObserver(decorate);
  listed.observe(UI.list, { childList: true, subtree: true });
  // An edited article (a single-page app, a live blog) is indexed again.
  let again = 0;
  const edited = new MutationObserver(() => {
    idx = null;
    cancelAnimationFrame(again);
    again = requestAnimationFrame(refresh);
  });
  edited.observe(article, { childList: true, subtree: true, characterData: true });
  if (document.fonts) document.fonts.ready.then(() => groups.length && place());

  function destroy() {
    for (const [target, type, fn, opts] of listeners) target.removeEventListener(type, fn, opts);
    sized.disconnect();
    listed.disconnect();
    edited.disconnect();
    if (HL) for (const n of ["", "-active", "-draft"]) CSS.highlights.delete(NAME + n);
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== pageSheet);
    ROOT.adoptedStyleSheets = ROOT.adoptedStyleSheets.filter((s) => s !== widgetSheet);
    for (const note of ROOT.querySelectorAll(".cs-stale")) note.remove();
    uncompose(false);
    unfilter();
    layer.remove();
    CFG.onAdd = null;
  }
  on(ROOT.host, "commentsvc:destroy", destroy);

  // When the list can't be fetched the thread shows the error; nothing is highlighted.
  return fetchAnchored().catch(() => []).then((list) => {
    comments = list;
    refresh();
    return { refresh, destroy };
  });
}
