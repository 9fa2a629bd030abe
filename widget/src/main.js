// main.js: entry. Reads the <script data-*> options, mounts a shadow root and renders
// the thread. No globals (everything lives in one IIFE), no cookies, no third parties.

const SCRIPT = document.currentScript || document.querySelector("script[data-site][src*='embed']");
const D = SCRIPT.dataset;
const BASE = new URL(SCRIPT.src).href.replace(/\/embed(\.min)?\.js([?#].*)?$/, "");

const CFG = {
  site: D.site,
  url: new URL(D.url || "", location.href).href.split("#")[0],
  pageId: D.pageId,
  title: D.title || document.title,
  theme: ["light", "dark"].includes(D.theme) ? D.theme : "auto",
  article: D.article || "article",
  locked: false,
  anchor: null,
};
const STATE = { sort: ["newest", "votes"].includes(D.sort) ? D.sort : "oldest", inline: false, cursor: null, count: 0, seq: 0 };
let ROOT;
let UI;

const pageQuery = () => ({ site: CFG.site, url: CFG.url, page_id: CFG.pageId });

function setCount(n) {
  STATE.count = Math.max(0, n);
  UI.count.textContent = t("comments", STATE.count);
}

// Insert a comment the reader just posted into list (top level or a reply list).
function addComment(c, list) {
  const el = commentEl(c);
  if (list === UI.list && STATE.sort === "newest") list.prepend(el);
  else list.append(el);
  UI.empty.hidden = true;
  if (c.status !== "pending") setCount(STATE.count + 1);
  el.tabIndex = -1;
  el.focus();
  if (CFG.onAdd) CFG.onAdd(c);
}

// Fetch a page of top-level comments (the next one when append is true).
const fetchPage = (append) =>
  api("GET", "/api/comments", {
    query: Object.assign(pageQuery(), {
      sort: STATE.sort,
      limit: D.limit,
      cursor: append ? STATE.cursor : null,
      inline: STATE.inline ? "only" : null,
    }),
  });

// Render a list response; replace the list unless appending (load more).
function render(r, append) {
  const th = r.thread || {};
  CFG.locked = !!th.locked;
  UI.form.hidden = CFG.locked;
  UI.closed.hidden = !CFG.locked;
  if (!STATE.inline) setCount(th.count || 0);
  const frag = document.createDocumentFragment();
  for (const c of r.comments || []) frag.append(commentEl(c));
  const first = frag.firstChild;
  if (append) UI.list.append(frag);
  else UI.list.replaceChildren(frag);
  // After "load more", keyboard focus continues at the first new comment.
  if (append && first) {
    first.tabIndex = -1;
    first.focus();
  }
  STATE.cursor = r.next_cursor || null;
  UI.more.hidden = !STATE.cursor;
  UI.empty.hidden = UI.list.children.length > 0 || CFG.locked;
}

async function load(append, pending) {
  // Only the latest request renders (a reader may switch tabs faster than the network).
  const seq = ++STATE.seq;
  UI.more.disabled = true;
  UI.list.setAttribute("aria-busy", "true");
  try {
    const r = await (pending || fetchPage(append));
    if (seq !== STATE.seq) return;
    render(r, append);
    say(UI.status, "");
  } catch (e) {
    if (seq === STATE.seq) say(UI.status, `${t("errLoad")} ${errText(e)}`, true);
  } finally {
    if (seq === STATE.seq) {
      UI.more.disabled = false;
      UI.list.removeAttribute("aria-busy");
    }
  }
}

// A group of toggle buttons (sort tabs, inline/all); exactly one is pressed.
function tabs(label, items, current, onPick) {
  const g = h("div", { class: "cs-tabs", role: "group", "aria-label": label });
  for (const [value, text] of items) {
    g.append(
      h(
        "button",
        {
          type: "button",
          "aria-pressed": String(value === current),
          onclick: (ev) => {
            for (const b of g.children) b.setAttribute("aria-pressed", String(b === ev.currentTarget));
            onPick(value);
          },
        },
        text
      )
    );
  }
  return g;
}

function subscribeBox() {
  const sid = uid("s");
  const eid = uid("s");
  const sel = h("select", { id: sid }, h("option", { value: "thread" }, t("subThread")), h("option", { value: "replies" }, t("subReplies")));
  const mail = h("input", { id: eid, type: "email", autocomplete: "email", placeholder: t("email") });
  const msg = h("p", { class: "cs-msg", role: "status" });
  const go = async (ev) => {
    ev.preventDefault();
    if (!mail.value.trim()) return say(msg, t("subNeedEmail"), true), mail.focus();
    try {
      // The site also goes in the query: the CORS check must know it at preflight time.
      await api("POST", "/api/subscriptions", {
        query: { site: CFG.site },
        body: { site: CFG.site, url: CFG.url, email: mail.value.trim(), kind: sel.value },
      });
      say(msg, t("subOk"));
    } catch (e) {
      say(msg, e.status === 404 || e.status === 405 ? t("subNA") : errText(e), true);
    }
  };
  return h(
    "form",
    { class: "cs-sub", novalidate: true, onsubmit: go },
    icon(I_BELL),
    h("label", { for: sid }, t("notify")),
    sel,
    h("label", { for: eid, class: "cs-sr" }, t("subEmail")),
    mail,
    h("button", { type: "submit", class: "cs-btn cs-ghost" }, t("subscribe")),
    msg
  );
}

function mount() {
  let host = document.getElementById("commentsvc");
  if (!host) SCRIPT.after((host = document.createElement("div")));
  // Hostile page CSS (e.g. "div {display:none !important}") can't hide the host:
  // an inline !important declaration beats any stylesheet rule.
  host.style.setProperty("display", "block", "important");
  host.setAttribute("data-theme", CFG.theme);
  ROOT = host.shadowRoot || host.attachShadow({ mode: "open" });
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    ROOT.adoptedStyleSheets = [sheet];
  } catch (e) {
    ROOT.append(h("style", null, CSS));
  }
  UI = {
    count: h("h2", { class: "cs-count", tabindex: "-1" }),
    list: h("ol", { class: "cs-list" }),
    more: h("button", { type: "button", class: "cs-btn cs-more", hidden: true, onclick: () => load(true) }, t("more")),
    status: h("p", { class: "cs-msg", role: "status" }),
    empty: h("p", { class: "cs-empty", hidden: true }, t("empty")),
    closed: h("p", { class: "cs-empty", hidden: true }, t("locked")),
  };
  UI.form = commentForm(null, (c) => addComment(c, UI.list));
  const sorts = [["oldest", t("oldest")], ["newest", t("newest")], ["votes", t("votes")]];
  ROOT.replaceChildren(
    h(
      "section",
      { class: "cs", lang: LANG, "aria-label": t("title") },
      h("div", { class: "cs-top" }, subscribeBox()),
      UI.form,
      UI.closed,
      h(
        "div",
        { class: "cs-bar" },
        UI.count,
        tabs(t("show"), [[true, t("inline")], [false, t("all")]], false, (v) => {
          STATE.inline = v;
          load(false);
        })
      ),
      h("div", { class: "cs-sortbar" }, tabs(t("sortBy"), sorts, STATE.sort, (v) => {
        STATE.sort = v;
        load(false);
      })),
      UI.status,
      UI.empty,
      UI.list,
      UI.more
    )
  );
}

// Inline feedback (issue 6) lives in /inline.js, imported only when the page has the
// article element; it starts once the thread has rendered.
function inlineModule() {
  try {
    if (document.querySelector(CFG.article)) return import(`${BASE}/inline.js`).catch(() => null);
  } catch (e) {
    // An invalid data-article selector: no inline feedback.
  }
}

async function start() {
  // Strings, the first page and the inline module load in parallel.
  const first = fetchPage(false);
  first.catch(() => null);
  const inline = inlineModule();
  await loadLang(D.lang || document.documentElement.lang || navigator.language);
  mount();
  setCount(0);
  await load(false, first);
  performance.measure("commentsvc:first-render", "commentsvc:start");
  // Keep "3 minutes ago" true while the page stays open.
  setInterval(() => {
    for (const el of ROOT.querySelectorAll("time")) el.textContent = ago(new Date(el.dateTime));
  }, 60000);
  const m = await inline;
  const article = document.querySelector(CFG.article);
  if (m && article) m.init({ article, T, t, h, icon, api, pageQuery, CFG, STATE, ROOT, UI, commentEl });
}

performance.mark("commentsvc:start");
start();
