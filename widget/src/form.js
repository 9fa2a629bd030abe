// form.js: the comment form (top-level and reply). Typed text is kept on every error.

// What the reader typed in name/email/website, reused by the next form in this page view.
const who = { name: "", email: "", website: "" };

// A visually hidden <label> plus an input that shows a placeholder.
const field = (tag, label, props) => {
  const id = uid("f");
  return [h("label", { for: id, class: "cs-sr" }, label), h(tag, Object.assign({ id }, props))];
};

// Show a message next to a form; errors are announced assertively.
const say = (el, text, isErr) => {
  el.setAttribute("role", isErr ? "alert" : "status");
  el.className = isErr ? "cs-msg cs-err" : "cs-msg";
  el.textContent = text || "";
};

// parent: the comment replied to (or null); onDone(comment) after a successful post.
function commentForm(parent, onDone, onCancel) {
  const [taL, ta] = field("textarea", parent ? t("replyText") : t("text"), {
    name: "text",
    rows: parent ? 3 : 4,
    placeholder: t("prompt"),
    class: "cs-ta",
  });
  const [nL, name] = field("input", t("nameL"), { name: "name", autocomplete: "name", placeholder: t("name"), maxlength: 100 });
  const [eL, email] = field("input", t("emailL"), { name: "email", type: "email", autocomplete: "email", placeholder: t("email"), maxlength: 254 });
  const [wL, web] = field("input", t("websiteL"), { name: "website", type: "url", autocomplete: "url", placeholder: t("website"), maxlength: 254 });
  name.value = who.name;
  email.value = who.email;
  web.value = who.website;
  // Honeypot: off-screen, out of the tab order and hidden from assistive technology.
  const hpId = uid("hp");
  const hp = h("input", { id: hpId, name: "hp", tabindex: "-1", autocomplete: "off" });
  const trap = h("div", { class: "cs-hp", "aria-hidden": "true" }, h("label", { for: hpId }, t("hp")), hp);
  const btn = h("button", { type: "submit", class: "cs-btn" }, parent ? t("postReply") : t("post"));
  const msg = h("p", { class: "cs-msg", role: "status" });
  const inputs = { text: ta, author_name: name, author_email: email, author_website: web };

  const submit = async (ev) => {
    ev.preventDefault();
    const text = ta.value.trim();
    for (const el of Object.values(inputs)) el.removeAttribute("aria-invalid");
    if (!text) {
      say(msg, t("errEmpty"), true);
      ta.setAttribute("aria-invalid", "true");
      ta.focus();
      return;
    }
    who.name = name.value.trim();
    who.email = email.value.trim();
    who.website = web.value.trim();
    const body = {
      text,
      author_name: who.name || null,
      author_email: who.email || null,
      author_website: who.website || null,
      parent_id: parent ? parent.id : null,
      title: CFG.title,
      hp: hp.value || null,
      elapsed_ms: Math.round(performance.now()),
    };
    if (CFG.anchor && !parent) body.anchor = CFG.anchor;
    for (const k of Object.keys(body)) if (body[k] == null) delete body[k];
    btn.disabled = true;
    say(msg, t("posting"));
    try {
      const r = await api("POST", "/api/comments", {
        query: pageQuery(),
        body,
        headers: { "X-Voter-Token": voterToken() },
      });
      const c = r.comment;
      const edits = store.get("commentsvc:edit", {});
      // Forget tokens whose window has closed; they are useless now.
      for (const [id, e] of Object.entries(edits)) if (!(Date.parse(e.until) > Date.now())) delete edits[id];
      edits[c.id] = { token: r.edit_token, until: r.edit_until, text };
      store.set("commentsvc:edit", edits);
      ta.value = "";
      say(msg, c.status === "pending" ? t("pending") : t("posted"));
      onDone(c);
    } catch (e) {
      say(msg, errText(e), true);
      for (const f of Object.keys((e && e.fields) || {})) if (inputs[f]) inputs[f].setAttribute("aria-invalid", "true");
    } finally {
      btn.disabled = false;
    }
  };

  const cancel = onCancel && h("button", { type: "button", class: "cs-btn cs-ghost", onclick: onCancel }, t("cancel"));
  return h(
    "form",
    { class: parent ? "cs-form cs-rform" : "cs-form", novalidate: true, onsubmit: submit },
    h("div", { class: "cs-av cs-me" }, icon(I_USER)),
    h(
      "div",
      { class: "cs-fbody" },
      taL,
      ta,
      h("div", { class: "cs-fields" }, nL, name, eL, email, wL, web),
      trap,
      h("div", { class: "cs-actions" }, msg, cancel, btn)
    )
  );
}
