"""The header navigation: this package's links, plus links other features register.

A feature adds its page with ``add_nav_item(app, "reminders.inbox", "Inbox", roles=("jgz", ...))``
in its own init; the base template shows the items the signed-in user's role may open. Where the
workflow file decides the roles, ``roles`` is ``roles_from(fn)`` (web/auth.py), read per request.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .auth import allowed_roles, roles_from


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple   # role names, or one roles_from function


def add_nav_item(app: Flask, endpoint: str, label, roles) -> None:
    roles = (roles,) if callable(roles) else tuple(roles)
    app.extensions.setdefault("toeleiding.nav", []).append(NavItem(endpoint, label, roles))


def init_app(app: Flask) -> None:
    for endpoint, label, roles in [
        ("cases.worklist", _l("Werkvoorraad"), ("jgz", "ve", "cjg", "gemeente", "school")),
        ("cases.search", _l("Zoeken"), ("jgz", "ve", "cjg")),
        ("cases.register", _l("Kind registreren"), roles_from(lambda wf: wf.registration.register)),
        ("admin.index", _l("Beheer"), ("admin",)),
        ("capacity.locations", _l("Onze locaties"), ("ve",)),   # capacity (issue 12.4)
    ]:
        add_nav_item(app, endpoint, label, roles)
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["has_endpoint"] = lambda name: name in current_app.view_functions


def nav_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    out = []
    for item in current_app.extensions.get("toeleiding.nav", []):
        if current_user.role in allowed_roles(item.roles) and item.endpoint in current_app.view_functions:
            from flask import url_for
            out.append({"url": url_for(item.endpoint), "label": str(item.label),
                        "current": request.endpoint == item.endpoint
                        or (request.blueprint == item.endpoint.split(".")[0] and item.endpoint.endswith(".index"))})
    return out
