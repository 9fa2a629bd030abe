"""Page URL normalization: one thread per page, whatever the tracking parameters."""
from urllib.parse import parse_qsl
from urllib.parse import quote
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid",
    "igshid", "yclid", "_ga", "_gl", "ref_src", "twclid", "ttclid", "li_fat_id",
}


class InvalidURL(ValueError):
    pass


def _is_tracking(name):
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


def split_page_url(url):
    """Parse an absolute http(s) URL or raise InvalidURL."""
    if not isinstance(url, str) or len(url) > 2048:
        raise InvalidURL("must be an absolute http(s) URL of at most 2048 characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(str(exc)) from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidURL("must be an absolute http(s) URL")
    if any(char.isspace() or ord(char) < 32 for char in parts.hostname):
        raise InvalidURL("host contains whitespace or control characters")
    return parts, scheme, port


def url_origin(url):
    """``scheme://host[:port]`` of a page URL, default port dropped."""
    parts, scheme, port = split_page_url(url)
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def normalize_url(url):
    """The thread key of a page URL.

    Lowercase scheme and host, default port and fragment dropped, tracking parameters
    dropped, the other query parameters sorted. Idempotent.
    """
    parts, _, _ = split_page_url(url)
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name)
    )
    # Escape what may not appear raw in a path (spaces, controls, non-ASCII); existing
    # %-escapes stay as they are, so normalizing twice changes nothing.
    path = quote(parts.path or "/", safe="/:@!$&'()*+,;=-._~%")
    return urlunsplit((*url_origin(url).split("://", 1), path, urlencode(query), ""))
