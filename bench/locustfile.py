"""The load test's users: JGZ nurses and VE providers working their lists (see bench/loadtest.py).

Each user signs in once, then loops over a realistic mix: the work list (50 cases), a case
read, and a transition on a case taken from the list with the version it just read. A 409
(someone else got there first) is the system doing its job and counts as a success.
"""
import datetime as dt
import itertools
import os
import random

from locust import HttpUser, between, task

TODAY = dt.date.today().isoformat()
LOGINS = itertools.cycle(os.environ.get("LOAD_LOGINS", "jgz@ijmond.demo").split(","))


class Worker(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self):
        self.email = next(LOGINS)
        r = self.client.post("/api/v1/auth/login", json={"email": self.email, "password": "demo"}, name="login")
        self.client.headers["Authorization"] = f"Bearer {r.json()['token']}"
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
        items = self._list("indicated" if self.role == "jgz" else "placed")
        if items:
            self.client.get(f"/api/v1/cases/{random.choice(items)['id']}", name="case")

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
                self._fire(case, "refer", {"location_id": loc, "consent": True, "referral_date": TODAY})
        else:
            items = self._list("referred")
            if items:
                case = random.choice(items)
                self._fire(case, "place", {"start_date": TODAY, "hours_per_week": 16})

    def _location(self, municipality):
        if municipality not in self.locations:
            items = self.client.get(f"/api/v1/locations?municipality={municipality}", name="locations").json()["items"]
            self.locations[municipality] = items[0]["id"]
        return self.locations[municipality]

    def _fire(self, case, trigger, data):
        body = {"trigger": trigger, "version": case["version"], "data": data}
        with self.client.post(f"/api/v1/cases/{case['id']}/transitions", json=body, name=f"transition {trigger}",
                              catch_response=True) as r:
            if r.status_code == 200:
                r.success()
                OUTCOMES.append((case["id"], trigger))
            elif r.status_code in (409, 403, 404, 422):
                # Stale version, or the case left this user's scope/state meanwhile: expected under load.
                r.success()
            else:
                r.failure(f"{trigger}: {r.status_code}")


OUTCOMES: list = []


from locust import events  # noqa: E402


@events.quitting.add_listener
def _write_outcomes(environment, **_):
    path = os.environ.get("LOAD_OUTCOMES")
    if path:
        with open(path, "w") as fh:
            fh.writelines(f"{cid} {trigger}\n" for cid, trigger in OUTCOMES)
