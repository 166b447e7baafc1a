"""Read-only queries of cases.

``_scope`` (behind ``scoped_cases`` and ``find_case``) is the one place that decides who sees
which case.
"""
from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

from sqlalchemy import Integer, Select, bindparam, exists, false, func, or_, select
from sqlalchemy.orm import joinedload

from ..errors import N_, NotFound, ValidationError
from ..extensions import db
from ..organisations.models import Location, Municipality, Organisation, organisation_municipalities
from ..users.models import User
from ..workflow import current_workflow
from ..workflow.definition import WorkListDef
from ..workflow.labels import ALL_LIST
from .checks import is_current_provider
from .models import Case, CaseEvent, CaseLocation


def scoped_cases(user: User) -> Select:
    """``select(Case)`` limited to what ``user`` may see; every case query starts here.

    JGZ: every case in its organisation's region. VE: cases ever referred to one of its own
    locations (until consent is withdrawn). CJG: cases in its municipalities that are or have
    been not reached, or whose reminders escalated to it. Admins: only cases of their own region
    opened under break-the-glass, while the grant lasts. Schools: the cases handed over to their
    own school (and of them only the handover: ``history``, ``status_seen_by``, ``child_seen_by``).
    Municipal users: none (they see aggregates).
    """
    return select(Case).where(_scope(user.role, **_scope_values(user)))


def in_region(region):
    """Cases of ``region`` (where the child lives now): JGZ's scope, and the limit of everything
    an admin, the region's privacy officer, may reach (break-the-glass, the access log)."""
    return Case.municipality_id.in_(select(Municipality.id).where(Municipality.region_id == region))


# The pseudo-role of ``find_case(..., break_glass=True)``: what an admin may open under
# break-the-glass at all, i.e. every case of their own region.
BREAK_GLASS = "admin:break_glass"


def _scope(role: str, organisation, region, user_id, now, today):
    """The scope rule of ``role`` as a WHERE criterion; the other arguments are values, or bind
    parameters for a statement built once (``find_case``). The one place that decides who sees
    which case."""
    if role == "jgz" or role == BREAK_GLASS:
        return in_region(region)
    if role == "ve":
        # A provider whose access a step ended (it declined the referral; the child was placed
        # with another provider) no longer sees the child from that day on (access_ends_on).
        own = (select(CaseLocation.case_id).join(Location, CaseLocation.location_id == Location.id)
               .where(CaseLocation.case_id == Case.id, Location.provider_id == organisation,
                      or_(CaseLocation.access_ends_on.is_(None), CaseLocation.access_ends_on > today)))
        # A withdrawn consent stops all sharing with the provider, history included: the
        # workflow file marks such outcomes (ends_sharing).
        wf = current_workflow()
        withdrawn = Case.state.in_(wf.final_states) & Case.outcome.in_(wf.sharing_ending_outcomes)
        return exists(own) & ~withdrawn
    if role == "cjg":
        served = select(organisation_municipalities.c.municipality_id).where(
            organisation_municipalities.c.organisation_id == organisation)
        # A long waiting list escalates to the CJG as well (workflow reminder rules): the CJG
        # then has to be able to open the case it is reminded about (reminders widen the scope).
        from .hooks import SCOPE
        return Case.municipality_id.in_(served) & or_(Case.ever_not_reached.is_(True),
                                                      *(widen(organisation) for widen in SCOPE.get(role, ())))
    if role == "school":
        # Warm handover: the school the child was handed over to, until consent is withdrawn
        # (which ends all sharing, as for a provider).
        wf = current_workflow()
        withdrawn = Case.state.in_(wf.final_states) & Case.outcome.in_(wf.sharing_ending_outcomes)
        return (Case.school_id == organisation) & ~withdrawn
    if role == "admin":
        # Only the records opened under break-the-glass, while the grant lasts, and only in the
        # admin's own region: a grant that reached another region's child opens nothing.
        from ..audit.models import BreakGlassGrant
        grants = select(BreakGlassGrant.case_id).where(BreakGlassGrant.user_id == user_id,
                                                       BreakGlassGrant.expires_at > now)
        return Case.id.in_(grants) & in_region(region)
    return false()


def _scope_values(user: User) -> dict:
    """What ``_scope`` needs to know of ``user``; the region only for JGZ and admins (it costs a
    lookup)."""
    from .. import clock
    return {"organisation": user.organisation_id, "user_id": user.id, "now": clock.now(), "today": clock.today(),
            "region": user.organisation.region_id if user.role in ("jgz", "admin") else None}


def _find_statement(role: str, for_update: bool):
    wf = current_workflow()   # what the scope reads of it, as the cache's key (tests load several)
    return _find_statement_of(wf.final_states, wf.sharing_ending_outcomes, role, for_update)


@functools.lru_cache(maxsize=32)
def _find_statement_of(final_states, sharing_ending_outcomes, role: str, for_update: bool):
    """``find_case``'s query per workflow and role, built once: it runs on every request about a case."""
    types = {"organisation": Integer, "region": Integer, "user_id": Integer, "now": Case.updated_at.type,
             "today": CaseLocation.access_ends_on.type}
    params = {key: bindparam(f"scope_{key}", type_=type_) for key, type_ in types.items()}
    # The municipality in the same round trip: every caller needs it (its rules, its code in
    # every answer), and a lazy load would cost a query of its own on every transition.
    q = (select(Case).where(_scope(role, **params), Case.id == bindparam("case_id", type_=Case.id.type))
         .options(joinedload(Case.municipality, innerjoin=True)))
    if for_update:
        q = q.with_for_update(of=Case)   # lock the case, not its municipality
    return q


def parse_case_id(raw) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def find_case(user: User, case_id, for_update: bool = False, break_glass: bool = False,
              handover: bool = False) -> Case:
    """The case if ``user`` may see it; NotFound otherwise, whether it exists or not.

    ``break_glass``: the case an admin asks to open under break-the-glass, which any case of
    their region may be (and none of another region); for any other role, none.
    ``handover``: the caller shows or acts on no more than a school may read of a case handed over
    to it (the case page and answer, its steps, the printable handover). Anything else about a
    case (notes, contact attempts, corrections, exports, reminders) is not found for a school.
    """
    cid = parse_case_id(case_id)
    case = None
    if cid is not None and (handover or not handover_only(user)):
        params = {f"scope_{key}": value for key, value in _scope_values(user).items()}
        role = (BREAK_GLASS if user.role == "admin" else "none") if break_glass else user.role
        case = db.session.scalar(_find_statement(role, for_update), {**params, "case_id": cid})
    if case is None:
        raise NotFound(N_("Dossier niet gevonden."), case_id=str(cid) if cid else None)
    return case


@dataclass
class HistoryEntry:
    event: CaseEvent
    user: str           # the name of who fired it
    organisation: str   # the organisation they acted for


def history(case: Case, user: User) -> list[HistoryEntry]:
    """A case's events in order, as far as ``user`` may read them, with the names of who and for
    which organisation.

    A provider the child was referred away from reads the history up to the step that took the
    child away (``left_provider_at``): what the next provider does is not its business. One
    query for names only: the events' own eager loads would bring every column of each user
    (password hash included) and organisation along, on every case answer.
    """
    rows = db.session.execute(_HISTORY, {"case_id": case.id}).all()
    entries = [HistoryEntry(event, name, organisation) for event, name, organisation in rows]
    if user.role == "school":
        return [entry for entry in entries if entry.event.trigger in school_triggers()]
    left = left_provider_at(case, user, [entry.event for entry in entries])
    return entries if left is None else [entry for entry in entries if entry.event.seq < left.seq]


def school_triggers() -> frozenset[str]:
    """The steps a school reads of a case handed over to it: the handover itself (a step that
    names a school) and the steps a school takes (its receipt); nothing else of the child's path."""
    wf = current_workflow()
    return frozenset(t.trigger for t in wf.transitions.values()
                     if "school" in t.all_roles() or any(f.type == "school" for f in t.fields.values()))


def handover_event(case: Case, user: User) -> HistoryEntry | None:
    """The last handover to a school ``user`` may read (the step that named the case's school),
    for the printable handover page; None if there is none."""
    wf = current_workflow()
    found = None
    for entry in history(case, user):
        t = wf.transitions.get(entry.event.trigger)
        if t is not None and any(f.type == "school" for f in t.fields.values()):
            found = entry
    return found


def left_provider_at(case: Case, user: User, events: list[CaseEvent] | None = None) -> CaseEvent | None:
    """The step that referred the child away from ``user``'s organisation, if ``user`` is a
    provider the child is no longer referred to; else None.

    The history and the bereik-overleg notes of such a provider end before this step. That is
    the step after the last one that left the child at one of its locations (a location is only
    ever replaced by another, never cleared). A provider the child comes back to is the current
    one again and reads everything, as any current provider reads its predecessors' steps.
    """
    if is_current_provider(case, user):   # every role but a provider's is "current"
        return None
    if events is None:
        events = list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                         .order_by(CaseEvent.seq)))
    own = set(db.session.scalars(select(Location.id).where(Location.provider_id == user.organisation_id)))
    last_own = max((e.seq for e in events if e.location_id in own), default=0)
    return next((e for e in events if e.seq > last_own), None)


@dataclass(frozen=True)
class Status:
    """Where a case stands, as ``user`` may see it (``status_seen_by``)."""
    state: str
    state_since: object
    location_id: int | None
    school_id: int | None
    not_reached_reason: str | None
    outcome: str | None
    updated_at: object


def status_seen_by(case: Case, user: User) -> Status:
    """The case's state, dates, location and outcome; for a provider the child was referred away
    from, as they stood just before that step, like its history: where the child went next and
    what happened there is not that provider's to read."""
    if user.role == "school":   # the handover only: not where the child attended VE, nor why it left
        return Status(case.state, case.state_since, None, case.school_id, None, None, case.updated_at)
    current = Status(case.state, case.state_since, case.location_id, case.school_id, case.not_reached_reason,
                     case.outcome, case.updated_at)
    if is_current_provider(case, user):   # every role but a provider's is "current"
        return current
    events = list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
    left = left_provider_at(case, user, events)
    if left is None:
        return current
    before = [e for e in events if e.seq < left.seq]
    entered = next((e for e in reversed(before) if e.to_state == left.from_state), before[-1])
    location = next((e.location_id for e in reversed(before) if e.location_id is not None), None)
    reason = entered.data.get(current_workflow().reason_fields().get(entered.trigger, ""), None)
    return Status(left.from_state, entered.effective_date, location, None, reason, None, before[-1].recorded_at)


# Built once: every case answer and page runs it.
_HISTORY = (select(CaseEvent, User.name, Organisation.name)
            .join(User, CaseEvent.user_id == User.id).join(Organisation, CaseEvent.organisation_id == Organisation.id)
            .where(CaseEvent.case_id == bindparam("case_id")).order_by(CaseEvent.seq))


def normalise_name(name: str) -> str:
    """Case, accents and spacing do not matter when a nurse types a family name."""
    import unicodedata
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace("-", " ").split())


def family_name_index(name: str) -> str:
    """The blind index of a family name (prefixed, so it never equals a BSN's index)."""
    from ..crypto import current_keyring
    return current_keyring().blind_index("family_name:" + normalise_name(name))


# Tussenvoegsels and the particles of names from neighbouring languages: people search "Berg" for
# "van den Berg" and "Ancona" for "d'Ancona", and "van" or "de" would match half the region.
PARTICLES = frozenset({
    "van", "de", "den", "der", "des", "het", "t", "te", "ten", "ter", "in", "op", "aan", "bij", "uit",
    "onder", "over", "voor", "vd", "v", "d", "l", "s", "la", "le", "les", "du", "da", "di", "del", "della",
    "dos", "das", "do", "von", "vom", "zu", "zum", "zur", "am", "im", "auf"})
MIN_PREFIX = 3   # shorter prefixes would each match a large share of the region


def name_parts(name: str) -> list[str]:
    """The parts of a family name that count for search: normalised like ``normalise_name``,
    split at anything that is not a letter or digit (spaces, hyphens, apostrophes), without
    particles. A name made of particles only ("De") keeps them, so it can still be found."""
    import re
    words = re.findall(r"[^\W_]+", normalise_name(name))
    return [w for w in words if w not in PARTICLES] or words


def _part_token(text: str) -> str:
    from ..crypto import current_keyring
    # Its own prefix: a token never equals a BSN's or a whole name's index.
    return current_keyring().blind_index("family_name_part:" + text)


def name_tokens(name: str) -> set[str]:
    """What ``case_name_tokens`` holds for a family name: the keyed HMAC of each part and of each
    of its prefixes of MIN_PREFIX or more letters ("van den Berg-Jansen": ber, berg, jan, jans,
    janse, jansen)."""
    texts = set()
    for part in name_parts(name):
        texts.add(part)
        texts.update(part[:n] for n in range(MIN_PREFIX, len(part)))
    from ..crypto import current_keyring
    keyring = current_keyring()   # once per name: a bulk import computes thousands
    return {keyring.blind_index("family_name_part:" + t) for t in texts}


def name_search_tokens(query: str) -> set[str]:
    """The tokens a case's family name must all have to match ``query``: one per part typed
    (each a whole part or the start of one)."""
    return {_part_token(part) for part in name_parts(query)}


def name_search(query: str):
    """A criterion on Case: the family name has every part of ``query`` (or a part starting with
    it), or is ``query`` as a whole (cases.name_index: cases not yet reindexed are still found by
    their full name)."""
    from .models import CaseNameToken
    tokens = name_search_tokens(query)
    exact = Case.name_index == family_name_index(query)
    if not tokens:
        return exact
    having = (select(CaseNameToken.case_id).where(CaseNameToken.token.in_(tokens))
              .group_by(CaseNameToken.case_id).having(func.count(CaseNameToken.token) == len(tokens)))
    return or_(Case.id.in_(having), exact)


def may_see_bsn(user: User) -> bool:
    """Only JGZ ever sees a BSN; everyone else gets responses without it."""
    return user.role == "jgz"


def handover_only(user: User) -> bool:
    """A school reads of a child only who it is (name, date of birth) and the handover: no BSN,
    address, parents' details or anything else of the child's path."""
    return user.role == "school"


# --- Work lists (werkvoorraad) --------------------------------------------------------------
# What each role has to act on, most urgent first. Pages and the API share these definitions;
# the labels here are the Dutch defaults (the web layer translates them by key).

# The headings of each role's list are the workflow file's (work_lists); every role also has
# "all", its open cases.
_ALL = WorkListDef(ALL_LIST, ())


def work_lists_for(user: User) -> tuple[WorkListDef, ...]:
    lists = current_workflow().work_lists.get(user.role)
    return (*lists, _ALL) if lists else ()


def work_list_query(user: User, wl: WorkListDef, municipality_id: int | None = None,
                    state: str | None = None) -> Select:
    """The cases of one work list in urgency order: longest in its state first.

    For a provider every list but "all" holds only children whose current location is its own
    (a child re-referred to another provider leaves its lists but stays visible).
    """
    from .. import clock
    q = scoped_cases(user)
    if wl.states:
        q = q.where(Case.state.in_(wl.states))
    elif not state:
        q = q.where(Case.state.not_in(current_workflow().final_states))
    if state:
        q = q.where(Case.state == state)
    if municipality_id is not None:
        q = q.where(Case.municipality_id == municipality_id)
    if wl.only_signalled:
        from .hooks import SIGNALLED
        q = q.where(or_(*(fn() for fn in SIGNALLED)) if SIGNALLED else false())
    if user.role == "ve" and wl.states:
        q = q.where(Case.location_id.in_(select(Location.id).where(Location.provider_id == user.organisation_id)))
    if wl.min_age_months is not None:
        limit = clock.add_months(clock.today(), -wl.min_age_months).replace(day=1)
        return q.where(Case.birth_month <= limit).order_by(Case.birth_month, Case.state_since, Case.id)
    return q.order_by(Case.state_since, Case.id)


def work_list_counts(user: User, municipality_id: int | None = None, state: str | None = None) -> dict[str, int]:
    """How many cases each of the user's lists holds, under the same filters."""
    counts = {}
    for wl in work_lists_for(user):
        q = work_list_query(user, wl, municipality_id, state)
        counts[wl.key] = db.session.scalar(q.with_only_columns(func.count()).order_by(None)) or 0
    return counts


def work_list_page(user: User, wl: WorkListDef, page: int, per_page: int, municipality_id: int | None = None,
                   state: str | None = None) -> list[Case]:
    from sqlalchemy.orm import selectinload
    q = work_list_query(user, wl, municipality_id, state)
    return list(db.session.scalars(q.options(selectinload(Case.municipality))
                                   .limit(per_page).offset((page - 1) * per_page)))


def search_query(user: User, bsn: str | None = None, family_name: str | None = None) -> Select:
    """``scoped_cases(user)`` narrowed to a BSN (exact, blind index; JGZ only) and/or a family
    name (every part typed is a part of the name or the start of one, blind-index tokens); the
    page's search and ``GET /api/v1/cases?bsn=&family_name=`` alike. Unordered."""
    from ..crypto import current_keyring
    from ..errors import NotPermitted
    if bsn and not may_see_bsn(user):
        raise NotPermitted(N_("Alleen de JGZ zoekt op BSN."))
    q = scoped_cases(user)
    if bsn:
        q = q.where(Case.bsn_index == current_keyring().blind_index(bsn))
    if family_name:
        q = q.where(name_search(family_name))
    return q


@dataclass(frozen=True)
class SearchResult:
    cases: list[Case]
    more: bool   # more than the limit matched: the page asks for a narrower search


def search_cases(user: User, bsn: str | None = None, family_name: str | None = None,
                 given_name: str | None = None, limit: int = 50) -> SearchResult:
    """Cases in ``user``'s scope with this BSN (exact, blind index; JGZ only) or family name
    (parts or their starts, ``search_query``), optionally narrowed by part of the given name; at
    most ``limit``."""
    from ..crypto.keyring import KeyringError
    if not bsn and not family_name:   # a search is never "everything in my scope, decrypted"
        raise ValidationError(N_("Vul een BSN of een achternaam in."), "achternaam")
    q = search_query(user, bsn, family_name)
    # The exact family name first, then open cases, most recently moved first.
    if family_name:
        q = q.order_by((Case.name_index == family_name_index(family_name)).desc())
    q = q.order_by(Case.state.in_(current_workflow().final_states), Case.state_since.desc(), Case.id)
    if not given_name:
        found = list(db.session.scalars(q.limit(limit + 1)))
        return SearchResult(found[:limit], len(found) > limit)
    # The given name is not indexed, so it is filtered after decryption. That filter must come
    # before the limit, or a common family name hides the very child asked for: read the family
    # name's matches a batch at a time until one more than the limit has passed the filter.
    wanted, found, batch, offset = given_name.strip().casefold(), [], 200, 0
    while len(found) <= limit:
        rows = list(db.session.scalars(q.limit(batch).offset(offset)))
        for c in rows:
            try:
                name = (c.given_name or "").casefold()
            except KeyringError:   # a damaged record cannot be matched on its name
                continue
            if wanted in name:
                found.append(c)
        if len(rows) < batch:
            break
        offset += batch
    return SearchResult(found[:limit], len(found) > limit)
