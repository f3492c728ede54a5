"""Keep credentials out of every message the SDK writes: logs and exception texts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

MASK = "***"
_CREDENTIALS_IN_URL = re.compile(r"//[^/@\s]*@")
# connect() options whose values are secrets when given as text
SECRET_OPTIONS = ("password", "token", "nkeys_seed_str")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Hide ``user:password@`` / ``token@`` in URLs and every known secret in ``text``."""
    text = _CREDENTIALS_IN_URL.sub(f"//{MASK}@", text)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def secrets_of(servers: Iterable[str], options: Mapping[str, Any]) -> tuple[str, ...]:
    """The secret strings in server URLs and connect options, longest first."""
    found: set[str] = set()
    for server in servers:
        try:
            parts = urlsplit(server)
            userinfo = [parts.username, parts.password]
        except ValueError:
            continue
        for value in userinfo:
            if value:
                found.update({value, unquote(value)})
    for name in SECRET_OPTIONS:
        value = options.get(name)
        if isinstance(value, str) and value:
            found.add(value)
    # every one, however short: a garbled message is better than a leaked password
    return tuple(sorted(found, key=len, reverse=True))


class Redactor:
    """``redact`` bound to the secrets of one ``connect`` call."""

    def __init__(self, servers: Iterable[str] = (), options: Mapping[str, Any] | None = None):
        self.secrets = secrets_of(servers, options or {})

    def __call__(self, text: object) -> str:
        return redact(str(text), self.secrets)
