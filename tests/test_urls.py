"""Page URL normalization: one thread per page."""
import pytest

from commentsvc.services.urls import InvalidURL
from commentsvc.services.urls import normalize_url
from commentsvc.services.urls import url_origin


@pytest.mark.parametrize("url, key", [
    ("HTTPS://Blog.Example.ORG/Post", "https://blog.example.org/Post"),
    ("https://blog.example.org:443/p", "https://blog.example.org/p"),
    ("http://blog.example.org:80/p", "http://blog.example.org/p"),
    ("http://blog.example.org:8080/p", "http://blog.example.org:8080/p"),
    ("https://blog.example.org/p#comments", "https://blog.example.org/p"),
    ("https://blog.example.org/p?b=2&a=1", "https://blog.example.org/p?a=1&b=2"),
    ("https://blog.example.org/p?utm_source=x&utm_medium=y&id=3&fbclid=z&gclid=q",
     "https://blog.example.org/p?id=3"),
    ("https://blog.example.org", "https://blog.example.org/"),
    ("https://blog.example.org/p?flag", "https://blog.example.org/p?flag="),
    ("http://[::1]:8000/x", "http://[::1]:8000/x"),
])
def test_normalize(url, key):
    assert normalize_url(url) == key
    assert normalize_url(key) == key


@pytest.mark.parametrize("url", ["", "blog.example.org/p", "ftp://x.org/", "javascript:alert(1)",
                                 "https://", "http://x.org:99999/", "x" * 3000])
def test_invalid(url):
    with pytest.raises(InvalidURL):
        normalize_url(url)


def test_origin():
    assert url_origin("HTTPS://Blog.Example.org:443/a?b") == "https://blog.example.org"
    assert url_origin("http://localhost:5173/x") == "http://localhost:5173"
