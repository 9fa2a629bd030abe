// dom.js: tiny DOM helpers.
// Every element the widget shows is built with createElement and text nodes.
// The one exception is the comment body, which the server rendered and
// sanitized (setHtml below is the only innerHTML in the widget).

const SVGNS = "http://www.w3.org/2000/svg";

// h("button", {class: "x", onclick: fn}, "text", child) -> element.
// Strings become text nodes, never markup. Event handlers are "on*" keys.
const h = (tag, props, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of kids.flat()) if (c != null && c !== false) e.append(c);
  return e;
};

// A 24x24 stroked icon, hidden from assistive technology.
const icon = (d) => {
  const s = document.createElementNS(SVGNS, "svg");
  s.setAttribute("viewBox", "0 0 24 24");
  s.setAttribute("aria-hidden", "true");
  s.setAttribute("focusable", "false");
  s.setAttribute("class", "cs-i");
  const p = document.createElementNS(SVGNS, "path");
  p.setAttribute("d", d);
  s.append(p);
  return s;
};

const I_UP = "M6 15l6-6 6 6";
const I_DOWN = "M6 9l6 6 6-6";
const I_REPLY = "M10 15L5 10l5-5M5 10h9a5 5 0 0 1 5 5v4";
const I_BELL = "M6 9a6 6 0 0 1 12 0c0 6 3 8 3 8H3s3-2 3-8M10 21h4";
const I_USER = "M20 21a8 8 0 0 0-16 0M12 13a5 5 0 1 0 0-10a5 5 0 0 0 0 10";

// Only http(s) URLs ever reach href/src; anything else (javascript:, data:) is dropped.
// A path starting with "/" is relative to the service base URL, not the host page.
const safeUrl = (u) => {
  if (!u) return null;
  try {
    const x = new URL(u[0] === "/" && u[1] !== "/" ? BASE + u : u);
    return x.protocol === "http:" || x.protocol === "https:" ? x.href : null;
  } catch (e) {
    return null;
  }
};

// The comment body is HTML the server rendered from markdown and sanitized.
const setHtml = (el, html) => {
  el.innerHTML = html || "";
};

let uidN = 0;
const uid = (p) => `cs-${p}-${++uidN}`;

// localStorage may be unavailable (privacy modes, sandboxed iframes): fall back to memory.
const mem = {};
const store = {
  get(k, d) {
    try {
      const v = localStorage.getItem(k);
      return v == null ? (k in mem ? mem[k] : d) : JSON.parse(v);
    } catch (e) {
      return k in mem ? mem[k] : d;
    }
  },
  set(k, v) {
    mem[k] = v;
    try {
      localStorage.setItem(k, JSON.stringify(v));
    } catch (e) {
      // Memory copy above keeps the session working.
    }
  },
};
