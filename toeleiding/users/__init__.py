"""Users, their one role and organisation, passwords and API tokens."""
from flask import Flask


def init_app(app: Flask) -> None:
    """An organisation with active users stays in use (organisations cannot ask users themselves)."""
    from ..organisations.operations import ACTIVE_USERS
    from .util import active_users_of
    ACTIVE_USERS["users"] = active_users_of
