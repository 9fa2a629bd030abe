// comment.js: one comment with its votes, reply, edit and delete controls, and replies.

const myVotes = () => store.get(`commentsvc:votes:${CFG.site}`, {});
const countOf = (n) => h("span", { class: "cs-n" }, String(n || 0));

// Edit token of a comment this browser posted, while its edit window is open.
const editable = (id) => {
  const e = store.get("commentsvc:edit", {})[id];
  return e && Date.parse(e.until) > Date.now() ? e : null;
};

function dateEl(iso, cls) {
  const d = new Date(iso);
  return h("time", { datetime: iso, title: fullDate(d), class: cls }, ago(d));
}

// A message that belongs to one comment (vote or edit errors).
function note(li, text) {
  let m = li.querySelector(":scope > .cs-box > .cs-msg");
  if (!m) li.querySelector(":scope > .cs-box").append((m = h("p", { class: "cs-msg" })));
  say(m, text, true);
}

function voteBox(c, li) {
  const v = c.votes || {};
  const mine = c.my_vote != null ? c.my_vote : myVotes()[c.id] || 0;
  const btn = (val, label, d, n) =>
    h(
      "button",
      {
        type: "button",
        class: val > 0 ? "cs-vote cs-up" : "cs-vote cs-down",
        "aria-pressed": String(mine === val),
        onclick: () => vote(c, li, val, mine === val ? 0 : val),
      },
      icon(d),
      h("span", { class: "cs-sr" }, label),
      countOf(n)
    );
  return h("span", { class: "cs-votes" }, btn(1, t("up"), I_UP, v.up), btn(-1, t("down"), I_DOWN, v.down));
}

async function vote(c, li, pressed, value) {
  try {
    const r = await api("PUT", `/api/comments/${c.id}/vote`, {
      body: { value },
      headers: { "X-Voter-Token": voterToken() },
    });
    c.votes = { up: r.up, down: r.down, score: r.score };
    c.my_vote = r.my_vote != null ? r.my_vote : value;
    const all = myVotes();
    if (c.my_vote) all[c.id] = c.my_vote;
    else delete all[c.id];
    store.set(`commentsvc:votes:${CFG.site}`, all);
    const old = li.querySelector(":scope > .cs-box .cs-votes");
    const box = voteBox(c, li);
    const hadFocus = old.contains(ROOT.activeElement);
    old.replaceWith(box);
    // Keep keyboard focus on the button that was pressed.
    if (hadFocus) box.children[pressed > 0 ? 0 : 1].focus();
  } catch (e) {
    note(li, errText(e));
  }
}

// Build the <li> for comment c; replies render recursively.
function commentEl(c) {
  const li = h("li", { class: "cs-c", "data-id": c.id });
  const replies = h("ol", { class: "cs-replies" });
  for (const r of c.replies || []) replies.append(commentEl(r));
  if (c.status === "deleted") {
    li.classList.add("cs-gone");
    li.append(h("div", { class: "cs-av" }), h("div", { class: "cs-box" }, h("p", { class: "cs-tomb" }, t("deleted"))), replies);
    return li;
  }
  const a = c.author || {};
  const site = safeUrl(a.website);
  const avatar = safeUrl(a.avatar);
  const name = site
    ? h("a", { class: "cs-name", href: site, rel: "nofollow ugc noopener", target: "_blank" }, a.name || t("guest"))
    : h("span", { class: "cs-name" }, a.name || t("guest"));
  const body = h("div", { class: "cs-text" });
  setHtml(body, c.html);
  const tools = h("span", { class: "cs-tools" });
  const foot = h(
    "div",
    { class: "cs-foot" },
    voteBox(c, li),
    CFG.locked || c.status === "pending"
      ? null
      : h("button", { type: "button", class: "cs-link", onclick: () => openReply(c, li) }, icon(I_REPLY), t("reply")),
    tools
  );
  const own = editable(c.id);
  if (own) {
    tools.append(
      h("button", { type: "button", class: "cs-link", onclick: () => openEdit(c, li, body) }, t("edit")),
      h("button", { type: "button", class: "cs-link", onclick: () => askDelete(c, li, tools) }, t("del"))
    );
    // The controls vanish when the edit window closes.
    setTimeout(() => tools.replaceChildren(), Math.min(Date.parse(own.until) - Date.now(), 2147483647));
  }
  li.append(
    avatar ? h("img", { class: "cs-av", src: avatar, alt: "", width: 44, height: 44, loading: "lazy" }) : h("div", { class: "cs-av" }),
    h(
      "div",
      { class: "cs-box" },
      h(
        "div",
        { class: "cs-head" },
        name,
        dateEl(c.created_at, "cs-date"),
        c.edited_at ? h("span", { class: "cs-ed" }, `(${t("edited")})`) : null,
        c.status === "pending" ? h("span", { class: "cs-badge" }, t("pending")) : null
      ),
      c.anchor && c.anchor.exact ? h("blockquote", { class: "cs-quote", "aria-label": t("quote") }, c.anchor.exact) : null,
      body,
      foot
    ),
    replies
  );
  if (c.status === "pending") li.classList.add("cs-pending");
  return li;
}

function openReply(c, li) {
  const box = li.querySelector(":scope > .cs-box");
  const open = box.querySelector(":scope > .cs-rform");
  if (open) return open.querySelector("textarea").focus();
  const opener = box.querySelector(".cs-foot .cs-link");
  const close = () => {
    f.remove();
    opener.focus();
  };
  const f = commentForm(
    c,
    (r) => {
      f.remove();
      addComment(r, li.querySelector(":scope > .cs-replies"));
    },
    close
  );
  f.addEventListener("keydown", (ev) => ev.key === "Escape" && close());
  box.append(f);
  f.querySelector("textarea").focus();
}

function openEdit(c, li, body) {
  const own = editable(c.id);
  if (!own || li.querySelector(".cs-eform")) return;
  const id = uid("e");
  const ta = h("textarea", { id, class: "cs-ta", rows: 4 });
  ta.value = own.text || body.textContent.trim();
  const msg = h("p", { class: "cs-msg", role: "status" });
  const done = () => {
    f.remove();
    body.hidden = false;
  };
  const save = async (ev) => {
    ev.preventDefault();
    try {
      const r = await api("PATCH", `/api/comments/${c.id}`, {
        body: { text: ta.value.trim() },
        headers: { "X-Edit-Token": own.token },
      });
      const nc = (r && r.comment) || r || {};
      setHtml(body, nc.html);
      const head = li.querySelector(":scope > .cs-box > .cs-head");
      if (!head.querySelector(".cs-ed")) head.append(h("span", { class: "cs-ed" }, `(${t("edited")})`));
      const all = store.get("commentsvc:edit", {});
      if (all[c.id]) all[c.id].text = ta.value.trim();
      store.set("commentsvc:edit", all);
      done();
      body.focus();
    } catch (e) {
      say(msg, errText(e), true);
    }
  };
  const f = h(
    "form",
    { class: "cs-eform", novalidate: true, onsubmit: save },
    h("label", { for: id, class: "cs-sr" }, t("editL")),
    ta,
    h(
      "div",
      { class: "cs-actions" },
      msg,
      h("button", { type: "button", class: "cs-btn cs-ghost", onclick: done }, t("cancel")),
      h("button", { type: "submit", class: "cs-btn" }, t("save"))
    )
  );
  body.hidden = true;
  body.tabIndex = -1;
  body.after(f);
  ta.focus();
}

function askDelete(c, li, tools) {
  const own = editable(c.id);
  if (!own) return;
  const keep = Array.from(tools.childNodes);
  const back = () => {
    tools.replaceChildren(...keep);
    keep[1].focus();
  };
  const yes = h("button", { type: "button", class: "cs-link cs-danger" }, t("delYes"));
  yes.onclick = async () => {
    try {
      await api("DELETE", `/api/comments/${c.id}`, { headers: { "X-Edit-Token": own.token } });
      const reps = li.querySelector(":scope > .cs-replies");
      if (reps.children.length) {
        // A comment with replies stays as a tombstone so the thread keeps its shape.
        const tomb = commentEl(Object.assign({}, c, { status: "deleted", replies: [] }));
        tomb.lastChild.replaceWith(reps);
        li.replaceWith(tomb);
      } else li.remove();
      if (c.status !== "pending") setCount(STATE.count - 1);
      ROOT.querySelector(".cs-count").focus();
    } catch (e) {
      note(li, errText(e));
      back();
    }
  };
  tools.replaceChildren(
    h("span", { class: "cs-ask" }, t("delAsk")),
    yes,
    h("button", { type: "button", class: "cs-link", onclick: back }, t("cancel"))
  );
  yes.focus();
}
