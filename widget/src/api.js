// api.js: the JSON client for the public API. No cookies (credentials "omit").

class ApiError extends Error {
  constructor(status, error, retryAfter) {
    super((error && error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = (error && error.code) || "";
    this.fields = (error && error.fields) || null;
    this.retryAfter = retryAfter;
  }
}

// The opaque voter token identifies this browser for votes (and own-comment checks).
const voterToken = () => {
  let v = store.get("commentsvc:voter");
  if (typeof v !== "string" || v.length < 32) {
    const b = crypto.getRandomValues(new Uint8Array(24));
    v = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    store.set("commentsvc:voter", v);
  }
  return v;
};

// api("GET", "/api/comments", {query, body, headers}) -> parsed JSON (null for 204).
// Throws ApiError; status 0 means the network failed.
async function api(method, path, opts = {}) {
  const url = new URL(BASE + path);
  for (const [k, v] of Object.entries(opts.query || {})) {
    if (v != null && v !== "") url.searchParams.append(k, v);
  }
  const init = { method, credentials: "omit", headers: Object.assign({}, opts.headers) };
  if (opts.body) {
    init.body = JSON.stringify(opts.body);
    init.headers["Content-Type"] = "application/json";
  }
  let r;
  try {
    r = await fetch(url, init);
  } catch (e) {
    throw new ApiError(0, null, null);
  }
  if (r.status === 204) return null;
  let data = null;
  try {
    data = await r.json();
  } catch (e) {
    data = null;
  }
  if (!r.ok) throw new ApiError(r.status, data && data.error, r.headers.get("Retry-After"));
  return data;
}

// An ApiError in words, for the reader.
const errText = (e) => {
  const s = e.status;
  if (!s) return t("errNet");
  if (e.code && T[e.code]) return t(e.code);
  if (s === 422) {
    const parts = Object.entries(e.fields || {}).map(
      ([f, m]) => `${t(f.replace("author_", "")) || f}: ${[].concat(m).join(" ")}`
    );
    return [t("err422")].concat(parts.length ? parts : [e.message]).join(" ");
  }
  if (s === 429) {
    const n = parseInt(e.retryAfter, 10);
    return n > 0 ? t("err429", n) : t("err429x");
  }
  if (s === 503 || s === 413 || s === 404) return t(`err${s}`);
  return e.message && s < 500 ? e.message : t("errHttp", s);
};
