// admin.js: the moderation page, a small script over the admin API (/api/admin/...).
// No framework and no dependencies: the page is one screen a moderator may need at 3 a.m.
// The token is typed by the moderator and kept in sessionStorage only (gone with the tab),
// sent as a bearer header, never in a URL. Every piece of server data reaches the DOM via
// textContent; the only link (the thread URL) passes an http(s) check first.
(function () {
  "use strict";

  var KEY = "commentsvc:admin";
  // The service's base URL: this script lives at <base>/admin/admin.js.
  var BASE = document.currentScript.src.replace(/\/admin\/admin\.js(\?.*)?$/, "");
  var session = null;
  var cursor = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (name) {
      if (name === "text") node.textContent = props[name];
      else if (name === "className") node.className = props[name];
      else node.setAttribute(name, props[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function say(text) { $("message").textContent = text || ""; }

  function loadSession() {
    try { return JSON.parse(sessionStorage.getItem(KEY)); } catch (e) { return null; }
  }

  function api(method, path, query, body) {
    var url = new URL(BASE + "/api/admin" + path);
    Object.keys(query || {}).forEach(function (name) {
      if (query[name] !== "" && query[name] != null) url.searchParams.set(name, query[name]);
    });
    var init = {
      method: method, credentials: "omit", cache: "no-store",
      headers: { Authorization: "Bearer " + session.token },
    };
    if (body) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    return fetch(url, init).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) return data;
        var error = new Error((data && data.error && data.error.message) ||
                              "HTTP " + response.status);
        error.status = response.status;
        throw error;
      });
    });
  }

  function fail(error) {
    if (error.status === 401 || error.status === 403) {
      signOut();
      say("That token does not open this site: " + error.message);
    } else {
      say(error.status ? error.message : "The service can't be reached; try again.");
    }
  }

  // Signing in and out

  function showQueue(on) {
    $("sign-in").hidden = on;
    $("queue").hidden = !on;
    $("sign-out").hidden = !on;
    $("who").textContent = on ? "Site: " + session.site : "";
  }

  function signOut() {
    sessionStorage.removeItem(KEY);
    session = null;
    $("comments").textContent = "";
    showQueue(false);
    $("sign-in-token").value = "";
  }

  function signIn(event) {
    event.preventDefault();
    session = { site: $("sign-in-site").value.trim(), token: $("sign-in-token").value.trim() };
    sessionStorage.setItem(KEY, JSON.stringify(session));
    say("");
    refresh();
  }

  // The queue

  function filters() {
    return {
      site: session.site,
      status: $("search-status").value,
      q: $("search-q").value.trim(),
      author_email: $("search-email").value.trim(),
      url: $("search-url").value.trim(),
    };
  }

  function refresh() {
    cursor = null;
    return load(true);
  }

  function load(replace) {
    var query = filters();
    if (cursor) query.cursor = cursor;
    return api("GET", "/comments", query).then(function (page) {
      showQueue(true);
      if (replace) $("comments").textContent = "";
      page.comments.forEach(function (comment) { $("comments").appendChild(render(comment)); });
      cursor = page.next_cursor;
      $("more").hidden = !cursor;
      $("empty").hidden = $("comments").children.length > 0;
    }).catch(fail);
  }

  function safeLink(url) {
    try {
      var parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") {
        return el("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank",
                         text: url });
      }
    } catch (e) { /* not a URL: shown as text */ }
    return el("span", { text: url });
  }

  function render(comment) {
    var author = comment.author.name || "guest";
    var title = el("strong", { id: "c" + comment.id + "-author", text: author });
    var meta = el("div", { className: "meta" }, [
      title,
      el("span", { text: comment.author.email || "no email" }),
      el("span", { title: comment.ip_hash || "",
                   text: "IP " + (comment.ip_hash || "-").slice(0, 10) }),
      el("time", { datetime: comment.created_at,
                   text: new Date(comment.created_at).toLocaleString() }),
      el("span", { className: "status", text: comment.status }),
      safeLink(comment.thread.url),
    ]);
    var actions = el("div", { className: "actions" });
    var item = el("li", { className: "comment", "data-id": comment.id,
                          "data-status": comment.status, "aria-labelledby": title.id },
                  [meta, el("div", { className: "text", text: comment.text }), actions]);

    function button(label, run, danger) {
      var node = el("button", {
        type: "button", text: label,
        "aria-label": label + ": comment " + comment.id + " by " + author,
      });
      if (danger) node.className = "danger";
      node.addEventListener("click", function () {
        node.disabled = true;
        Promise.resolve(run()).then(function () { node.disabled = false; });
      });
      actions.appendChild(node);
    }

    if (comment.status !== "deleted") {
      if (comment.status !== "approved") {
        button("Approve", function () { return act(comment, "approve"); });
      }
      if (comment.status !== "spam") button("Spam", function () { return act(comment, "spam"); });
    }
    button("Delete", function () { return remove(comment); }, true);
    if (comment.author.email || comment.ip_hash) {
      button("Purge author", function () { return purgeAuthor(comment); }, true);
    }
    return item;
  }

  function act(comment, action) {
    return api("POST", "/comments/" + comment.id + "/" + action).then(function (result) {
      return refresh().then(function () {
        say("Comment " + comment.id + " is now " + result.status + ".");
      });
    }).catch(fail);
  }

  function remove(comment) {
    if (!window.confirm("Delete comment " + comment.id + " for good?")) return null;
    return api("DELETE", "/comments/" + comment.id).then(function () {
      return refresh().then(function () { say("Comment " + comment.id + " deleted."); });
    }).catch(fail);
  }

  function purgeAuthor(comment) {
    // By email when the author gave one, else everything from the same IP.
    var who = comment.author.email
      ? { author_email: comment.author.email, label: comment.author.email }
      : { ip_of: comment.id, label: "the IP of comment " + comment.id };
    var body = { site: session.site };
    if (who.author_email) body.author_email = who.author_email; else body.ip_of = who.ip_of;
    return api("POST", "/purge", null, Object.assign({ dry_run: true }, body))
      .then(function (preview) {
        if (!window.confirm("Purge " + preview.purged + " comment(s) by " + who.label +
                            "? This can't be undone.")) return null;
        return api("POST", "/purge", null, body).then(function (result) {
          return refresh().then(function () {
            say("Purged " + result.purged + " comment(s) by " + who.label + ".");
          });
        });
      }).catch(fail);
  }

  $("sign-in").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", function () { signOut(); say("Signed out."); });
  $("search").addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
  $("search-status").addEventListener("change", refresh);
  $("more").addEventListener("click", function () { load(false); });

  session = loadSession();
  if (session && session.site && session.token) refresh();
}());
