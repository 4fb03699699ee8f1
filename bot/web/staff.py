"""Who, among staff, made a change from the /review pages: the name a form or a request gives,
else the name given at login (cookie review_author, set by review.login), else "équipe CESTES".

The name is only a label on what staff write (taught examples, versions of facts): the token,
not the name, is what grants access.
"""
from __future__ import annotations

import re
from typing import Any, Optional
from urllib.parse import quote, unquote

from aiohttp import web

AUTHOR_COOKIE = "review_author"
DEFAULT_AUTHOR = "équipe CESTES"
MAX_LOGIN_NAME = 60  # the login form's name, as kept in the cookie
MAX_AUTHOR = 120  # a name given with a change (the knowledge pages' field, the API's "author")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(name: str) -> str:
    """A name on one line: control characters removed (PostgreSQL refuses NUL), spaces collapsed."""
    return " ".join(_CONTROL.sub(" ", name).split())


def cookie_value(name: str) -> str:
    """The login form's name as the review_author cookie holds it: cleaned, at most
    MAX_LOGIN_NAME characters, URL-encoded ("" when no name was given)."""
    return quote(clean(name)[:MAX_LOGIN_NAME], safe="")


def login_name(request: web.Request) -> Optional[str]:
    """The name given at login, if any."""
    name = clean(unquote(request.cookies.get(AUTHOR_COOKIE, "")))[:MAX_LOGIN_NAME]
    return name or None


def author(request: web.Request, given: Any = None) -> str:
    """Who made a change: `given` (a form's or a request's name) when it holds a name, else the
    name given at login, else DEFAULT_AUTHOR."""
    name = clean(given)[:MAX_AUTHOR] if isinstance(given, str) else ""
    return name or login_name(request) or DEFAULT_AUTHOR
