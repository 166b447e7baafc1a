"""Fixtures for the page tests: a browser-like client per person, with its own cookies and CSRF token."""
from __future__ import annotations

import re

import pytest

from ..factories import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient:
    """A Flask test client that signs in through the form and sends the page's CSRF token."""

    def __init__(self, app):
        self.client = app.test_client()
        self.token = None

    def _remember_token(self, response):
        m = CSRF_RE.search(response.get_data(as_text=True))
        if m:
            self.token = m.group(1)
        return response

    def get(self, url, **kw):
        return self._remember_token(self.client.get(url, **kw))

    def post(self, url, data=None, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/aanmelden")
            data.setdefault("csrf_token", self.token)
        return self._remember_token(self.client.post(url, data=data, **kw))

    def sign_in(self, email, password=PASSWORD):
        self.get("/aanmelden")
        r = self.post("/aanmelden", {"email": email, "password": password})
        assert r.status_code == 302, r.get_data(as_text=True)[:500]
        self.get(r.location)   # sign-in starts a new session: take the new page's CSRF token
        return self


@pytest.fixture
def web(app, world):
    """``web('jgz')``: a new signed-in browser session for that world user; ``web(None)``: anonymous."""
    def make(who=None):
        c = WebClient(app)
        if who is not None:
            c.sign_in(world.emails[who])
        return c
    return make


def text(response) -> str:
    """The page's text without tags, whitespace collapsed: what a person reads."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())
