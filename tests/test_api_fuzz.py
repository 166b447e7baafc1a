"""The API fuzzed from its own OpenAPI document: no 500, and nothing stored from a refused request.

Schemathesis generates requests for every operation (valid and invalid bodies, odd parameters);
each is sent signed in as a JGZ user against a database that holds a real referred case, so
the case routes see both existing and unknown ids.
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from .db_fingerprint import GROWS_ON_REFUSAL, SIGN_IN_COUNTS, changed, fingerprint
from .factories import days_ago


def test_api_never_500s_and_stores_nothing_when_refusing(app, world, api):
    # Schemathesis's pytest plugin does not run under pytest 9, so its hypothesis strategies
    # are driven directly: one property per operation of the document.
    jgz = api("jgz")
    case = jgz.register()
    jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(1))
    token, real_case = jgz.headers["Authorization"], case["id"]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Signing out revokes the shared token and failed sign-ins throttle the address: those two
    # go last, so every other operation is fuzzed as a signed-in user.
    last = {"/auth/logout": 1, "/auth/login": 2}
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=lambda o: last.get(o.path, 0))
    assert len(operations) >= 12
    statuses: dict[str, set[int]] = {}
    refused: set[str] = set()

    for operation in operations:
        @given(generated=operation.as_strategy(), use_real_case=st.booleans())
        @settings(max_examples=25, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(generated, use_real_case):
            if use_real_case and "case_id" in (generated.path_parameters or {}):
                generated.path_parameters["case_id"] = real_case
            # Every row of every table but the access log (and, for sign-in, the counted failures).
            skip = GROWS_ON_REFUSAL | (SIGN_IN_COUNTS if generated.path == "/auth/login" else frozenset())
            before = fingerprint(app, skip)
            response = generated.call(headers={"Authorization": token})
            statuses.setdefault(f"{generated.method} {generated.path}", set()).add(response.status_code)
            generated.validate_response(response, checks=[not_a_server_error])
            if response.status_code >= 400:
                after = fingerprint(app, skip)
                assert not changed(before, after), (
                    f"{generated.method} {generated.formatted_path} -> {response.status_code} changed {changed(before, after)}")
                refused.add(f"{generated.method} {generated.path}")
        check()
    # The fuzzing reached the application itself, not only the sign-in check.
    signed_in = {k: v for k, v in statuses.items() if "/auth/" not in k and "/audit" not in k}
    assert all(v - {401} for v in signed_in.values()), statuses
    # And the "stores nothing" check ran on most operations (a few cannot be refused signed in).
    assert len(refused) >= len(operations) // 2, (sorted(refused), statuses)
