"""Imports every model so the metadata (and Alembic's autogenerate) knows all tables."""
from .cases.models import AccessLogEntry, Case, CaseEvent, CaseLocation  # noqa: F401
from .organisations.models import (Location, Municipality, MunicipalityFigures, Organisation,  # noqa: F401
                                   Region, TargetGroupDefinition)
from .users.models import ApiToken, User  # noqa: F401
