"""The regional monitor: reach per municipality at a reference date, from the cases' own history."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The monitor pages and their place in the header navigation."""
    from flask_babel import lazy_gettext as _l

    from ..organisations.operations import DEFINITION_END_CHECKS
    from .util import refuse_ending_a_published_definition
    from .views import bp
    app.register_blueprint(bp)
    DEFINITION_END_CHECKS["monitor"] = refuse_ending_a_published_definition
    from ..organisations.util import PLACED_AT
    from .util import placed_per_location
    PLACED_AT["monitor"] = placed_per_location
    if "web" in app.blueprints:
        from ..web.nav import add_nav_item
        add_nav_item(app, "monitor.index", _l("Monitor"), ("gemeente", "admin", "cjg"))
        add_nav_item(app, "monitor.other", _l("Anders hercoderen"), ("cjg", "admin"))
