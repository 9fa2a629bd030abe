// count.js: fills every <span data-commentsvc-count="URL"> on a page with "N Comments"
// using ONE request to /api/counts (URLs are sent in batches of 100, the API's limit).
// <script src="https://comments.example.com/count.js" data-site="blog" async></script>
// Optional: data-lang on the script (else the page language) for a translated label.
(() => {
  "use strict";
  const me = document.currentScript || document.querySelector("script[data-site][src*='count']");
  if (!me) return;
  const base = new URL(me.src).href.replace(/\/count\.js([?#].*)?$/, "");
  const lang = String(me.dataset.lang || document.documentElement.lang || "en").toLowerCase().split(/[-_]/)[0];
  const EN = { one: "{n} Comment", other: "{n} Comments" };

  const strings = async () => {
    if (!["de", "fr", "es", "uk"].includes(lang)) return [EN, "en"];
    try {
      const r = await fetch(`${base}/i18n/${lang}.json`, { credentials: "omit" });
      return [(await r.json()).comments || EN, lang];
    } catch (e) {
      return [EN, "en"];
    }
  };

  async function run() {
    // Group the spans by absolute URL; the response is keyed by the URLs as sent.
    const byUrl = new Map();
    for (const el of document.querySelectorAll("[data-commentsvc-count]")) {
      let u;
      try {
        u = new URL(el.getAttribute("data-commentsvc-count") || location.href, location.href);
      } catch (e) {
        continue;
      }
      u.hash = "";
      if (!byUrl.has(u.href)) byUrl.set(u.href, []);
      byUrl.get(u.href).push(el);
    }
    const urls = [...byUrl.keys()];
    if (!urls.length) return;
    const label = strings();
    for (let i = 0; i < urls.length; i += 100) {
      const q = new URLSearchParams({ site: me.dataset.site });
      for (const u of urls.slice(i, i + 100)) q.append("url", u);
      let counts;
      try {
        const r = await fetch(`${base}/api/counts?${q}`, { credentials: "omit" });
        if (!r.ok) continue;
        counts = (await r.json()).counts || {};
      } catch (e) {
        continue;
      }
      const [forms, code] = await label;
      const pr = new Intl.PluralRules(code);
      for (const [u, n] of Object.entries(counts)) {
        const text = (forms[pr.select(n)] || forms.other).replace("{n}", n.toLocaleString(code));
        for (const el of byUrl.get(u) || []) el.textContent = text;
      }
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
