"""Signals from partners (issue 11, point 9): a VE provider or the CJG signals a child to JGZ.

The signaller fills in the registration form with a note; the child is registered as JGZ would
(the same service) and JGZ finds it in its work list to assess. JGZ's next step on the case
assesses the signal; the signaller sees only its own signals and whether each was assessed,
never the indication, and the case itself only where its normal scope grants it. Who registers
and who signals is the workflow file's (registration).
"""
from flask import Flask


def init_app(app: Flask) -> None:
    """The page, the menu item, the work list's filter, the step hook, the case page's notes."""
    from flask_babel import lazy_gettext as _l

    from ..cases import hooks
    from ..web.auth import roles_from
    from ..web.nav import add_nav_item
    from .operations import assess_in_memory, assess_on_step
    from .util import case_page, unassessed_criterion
    from .views import bp

    app.register_blueprint(bp)
    add_nav_item(app, "signals.index", _l("Signaleringen"), roles_from(lambda wf: wf.registration.signal))
    hooks.on_step(assess_on_step, in_memory=assess_in_memory)
    hooks.signalled_cases(unassessed_criterion)
    hooks.on_case_page("signals", case_page)
