"""Imports every model so the metadata (and Alembic's autogenerate) knows all tables."""
from .audit.models import AccessLogEntry, BreakGlassGrant  # noqa: F401
from .cases.models import Case, CaseEvent, CaseLocation  # noqa: F401
from .monitor.models import MonitorPublication, MonitorSnapshotCell, RecodeCategory, Recoding  # noqa: F401
from .organisations.models import (Location, Municipality, MunicipalityFigures, Organisation,  # noqa: F401
                                   Region, TargetGroupDefinition)
from .users.models import ApiToken, User  # noqa: F401
from .reminders.models import DigestRun, Meeting, MeetingAction, MeetingNote, Reminder  # noqa: F401
from .reminders.models import DigestRun, MeetingNote, Reminder  # noqa: F401
from .outreach.models import ContactAttempt  # noqa: F401
from .signals.models import CaseSignal  # noqa: F401
from .push.models import PushDelivery, PushTarget  # noqa: F401
