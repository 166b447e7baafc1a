"""The load test's users: JGZ nurses and VE providers working their lists (see bench/loadtest.py).

Signing in is set-up, not part of the measured mix: bench/loadtest.py issues one API token per
user before the clock starts (LOAD_TOKENS: a file of "email token" lines). Each user then loops
over a realistic mix: the work list (50 cases), a case read, and a transition on a case taken
from the list with the version it just read.

Only a 409 is an expected refusal of a transition (someone else moved the case first: a stale
version). A 403, 404 or 422 means the test sent something the system should have accepted, so
it is a failure like any other. Every transition answered 200 is written to LOAD_OUTCOMES as
"case trigger version" (the version the case reached), for loadtest.py to compare with the
history rows in the database.
"""
import datetime as dt
import itertools
import os
import random

from locust import HttpUser, between, events, task

TODAY = dt.date.today().isoformat()


def _tokens():
    path = os.environ.get("LOAD_TOKENS")
    if not path:
        raise SystemExit("LOAD_TOKENS is not set: run the load test through bench/loadtest.py")
    with open(path) as fh:
        return [line.split() for line in fh if line.strip()]


TOKENS = itertools.cycle(_tokens())
OUTCOMES: list = []


class Worker(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self):
        self.email, token = next(TOKENS)
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.role = "jgz" if self.email.startswith("jgz") else "ve"
        self.locations = {}

    def _list(self, state):
        with self.client.get(f"/api/v1/cases?state={state}&per_page=50", name="work list", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"work list {r.status_code}")
                return []
            return r.json()["items"]

    @task(3)
    def work_list(self):
        self._list("signalled" if self.role == "jgz" else "referred")

    @task(3)
    def read_case(self):
        items = self._list("indicated" if self.role == "jgz" else "referred")
        if items:
            with self.client.get(f"/api/v1/cases/{random.choice(items)['id']}", name="case",
                                 catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"case {r.status_code}")

    @task(4)
    def transition(self):
        if self.role == "jgz":
            items = self._list("signalled")
            if items:
                case = random.choice(items)
                self._fire(case, "indicate", {"criteria": ["home_language"], "indication_date": TODAY})
            items = self._list("indicated")
            if items:
                case = random.choice(items)
                loc = self._location(case["municipality"])
                if loc is not None:
                    self._fire(case, "refer", {"location_id": loc, "consent": True, "referral_date": TODAY})
        else:
            items = self._list("referred")
            if items:
                case = random.choice(items)
                self._fire(case, "place", {"start_date": TODAY, "hours_per_week": 16})

    def _location(self, municipality):
        if municipality not in self.locations:
            with self.client.get(f"/api/v1/locations?municipality={municipality}", name="locations",
                                 catch_response=True) as r:
                items = r.json()["items"] if r.status_code == 200 else []
                if not items:
                    r.failure(f"locations {r.status_code}: none for {municipality}")
                    return None
            self.locations[municipality] = items[0]["id"]
        return self.locations[municipality]

    def _fire(self, case, trigger, data):
        body = {"trigger": trigger, "version": case["version"], "data": data}
        with self.client.post(f"/api/v1/cases/{case['id']}/transitions", json=body, name=f"transition {trigger}",
                              catch_response=True) as r:
            if r.status_code == 200:
                OUTCOMES.append((case["id"], trigger, r.json()["version"]))
                r.success()
            elif r.status_code == 409:
                r.success()   # a stale version: another user moved this case first
            else:
                # Not "expected under load": the case came from this user's own list.
                r.failure(f"{trigger}: {r.status_code} {r.text[:200]}")


@events.quitting.add_listener
def _write_outcomes(environment, **_):
    path = os.environ.get("LOAD_OUTCOMES")
    if path:
        with open(path, "w") as fh:
            fh.writelines(f"{cid} {trigger} {version}\n" for cid, trigger, version in OUTCOMES)
