"""Hashing of private values, secret tokens and origin checks."""
import hashlib
import hmac
import secrets

from flask import current_app


def keyed_hash(purpose, value):
    """HMAC of a private value (IP, voter token, email) under the service's secret key.

    The purpose is mixed in so a hash of one kind can't be matched against another.
    """
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{purpose}:{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def new_token():
    """A fresh random secret for admin, edit and subscription links."""
    return secrets.token_urlsafe(32)


def token_hash(token):
    """Hash under which a high-entropy token is stored (only the hash is kept)."""
    return hashlib.sha256(token.encode()).hexdigest()


def origin_allowed(origin, allowed):
    """True when ``origin`` matches an allowed origin exactly or a ``scheme://host:*`` pattern."""
    if not origin or origin == "null":
        return False
    origin = origin.lower().rstrip("/")
    for pattern in allowed:
        pattern = pattern.lower().rstrip("/")
        if pattern.endswith(":*"):
            prefix = pattern[:-1]
            if origin == pattern[:-2] or (
                origin.startswith(prefix) and origin[len(prefix):].isdigit()
            ):
                return True
        elif origin == pattern:
            return True
    return False
