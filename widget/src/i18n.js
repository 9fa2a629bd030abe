// i18n.js: English is built in; other languages are small JSON files with the same
// keys, fetched from the service on demand (/i18n/<lang>.json). Plural strings are
// objects keyed by Intl.PluralRules categories; "{n}" is replaced by the number.

const LANGS = ["en", "de", "fr", "es", "uk"];

const EN = {
  title: "Comments",
  comments: { one: "{n} Comment", other: "{n} Comments" },
  notify: "Notify of",
  subThread: "new follow-up comments",
  subReplies: "new replies to my comments",
  subEmail: "Email for notifications",
  subscribe: "Subscribe",
  subOk: "Almost done: please confirm the link we just emailed you.",
  subNeedEmail: "Please enter your email address.",
  subNA: "Subscriptions are not available right now.",
  sortBy: "Sort comments",
  oldest: "Oldest",
  newest: "Newest",
  votes: "Most Voted",
  show: "Which comments to show",
  inline: "Inline Feedbacks",
  all: "View all comments",
  prompt: "Would love your thoughts, please comment.",
  text: "Comment",
  replyText: "Your reply",
  name: "Name",
  nameL: "Name (optional)",
  email: "Email",
  emailL: "Email (optional, never shown)",
  website: "Website",
  websiteL: "Website (optional)",
  hp: "Leave this field empty",
  post: "Post Comment",
  postReply: "Post Reply",
  posting: "Posting…",
  cancel: "Cancel",
  save: "Save",
  reply: "Reply",
  edit: "Edit",
  del: "Delete",
  delAsk: "Delete this comment?",
  delYes: "Yes, delete",
  editL: "Edit your comment",
  guest: "guest",
  edited: "edited",
  deleted: "This comment was deleted.",
  pending: "Your comment is awaiting moderation.",
  posted: "Your comment was posted.",
  up: "Vote up",
  down: "Vote down",
  more: "Load more comments",
  empty: "Be the first to comment.",
  locked: "Comments are closed.",
  quote: "Commenting on",
  errEmpty: "Please write a comment first.",
  errLoad: "Comments could not be loaded.",
  errNet: "Could not reach the comment service. Please try again.",
  err422: "Please check the form:",
  err429: { one: "Too many requests. Please try again in {n} second.", other: "Too many requests. Please try again in {n} seconds." },
  err429x: "Too many requests. Please try again in a moment.",
  err503: "The comment service is temporarily unavailable. Please try again in a minute.",
  err404: "This site or comment is unknown to the comment service.",
  err413: "Your comment is too long.",
  errHttp: "Something went wrong (HTTP {n}).",
  thread_locked: "This thread is closed for new comments.",
  banned: "You are not allowed to comment here.",
  origin_not_allowed: "Comments are not enabled for this website.",
  edit_window_closed: "The time for editing this comment is over.",
  own_comment: "You can't vote on your own comment.",
};

let LANG = "en";
let T = EN;
let PR = new Intl.PluralRules("en");

// Pick data-lang, else the page language, else English; fetch its strings.
async function loadLang(wanted) {
  const code = String(wanted || "en").toLowerCase().split(/[-_]/)[0];
  if (!LANGS.includes(code) || code === "en") return;
  try {
    const r = await fetch(`${BASE}/i18n/${code}.json`, { credentials: "omit" });
    if (!r.ok) return;
    T = Object.assign({}, EN, await r.json());
    LANG = code;
    PR = new Intl.PluralRules(code);
  } catch (e) {
    // Falls back to English.
  }
}

// t("comments", 3) -> "3 Comments"; t("err.code") -> string or undefined.
const t = (key, n) => {
  let s = T[key];
  if (s && typeof s === "object") s = s[PR.select(n)] || s.other;
  return s == null ? s : String(s).replace("{n}", n == null ? "" : n.toLocaleString(LANG));
};

const UNITS = [
  ["year", 31536e6],
  ["month", 2592e6],
  ["day", 864e5],
  ["hour", 36e5],
  ["minute", 6e4],
];

// Formatters are costly to build: one of each per language.
let fmt = null;
const formats = () =>
  fmt && fmt.lang === LANG
    ? fmt
    : (fmt = {
        lang: LANG,
        rel: new Intl.RelativeTimeFormat(LANG, { numeric: "auto" }),
        full: new Intl.DateTimeFormat(LANG, { dateStyle: "full", timeStyle: "short" }),
      });

// "17 days ago", "yesterday", "now" in the reader's language.
const ago = (date) => {
  const diff = date - Date.now();
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return formats().rel.format(Math.round(diff / ms), unit);
  }
  return formats().rel.format(0, "second");
};

const fullDate = (date) => formats().full.format(date);
