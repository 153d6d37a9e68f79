"""The JSON API: a valid OpenAPI schema and a local docs page, scoped hashed keys, every
use logged, the same engine and services as the pages, and never a 5xx."""

import datetime as dt
import json
import re
from urllib.parse import urlencode

import pytest
import schemathesis
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate

from booking.api.site import api
from booking.models import ApiKey, ApiKeyUse, ApiScope, Appointment
from booking.services.api_keys import api_key_create, api_key_revoke
from clinic.roles import RECEPTIONIST
from patients.models import AccessVia, PatientAccessLog
from tests import factories
from tests.factories import MONDAY, NOW, at, book

ALL_SCOPES = list(ApiScope.values)
BASE = "/api/v1"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def make_key(scopes=ALL_SCOPES) -> str:
    return api_key_create(name="Website", scopes=list(scopes), created_by=None)[1]


def bearer(key: str) -> dict:
    return {"authorization": f"Bearer {key}"}


def post(client, path: str, body: dict, key: str):
    return client.post(
        BASE + path,
        json.dumps(body, default=str),
        content_type="application/json",
        headers=bearer(key),
    )


def booking_body(clinic, patient, start=None) -> dict:
    return {
        "patient_id": patient.pk,
        "service": clinic.initial.slug,
        "location": clinic.location.slug,
        "practitioner_id": clinic.alice.pk,
        "start": (start or at(10)).isoformat(),
    }


def test_the_openapi_schema_validates(client, db):
    key = make_key([ApiScope.AVAILABILITY_READ])  # any live key may read the schema

    response = client.get(BASE + "/openapi.json", headers=bearer(key))

    assert response.status_code == 200
    validate(response.json())
    assert {"/api/v1/availability", "/api/v1/appointments"} <= set(response.json()["paths"])


def test_the_docs_page_is_served_locally_under_the_strict_policy(client, db):
    factories.signed_in(client, factories.staff(username="rita", role=RECEPTIONIST))
    response = client.get(BASE + "/docs")

    assert response.status_code == 200
    scripts = re.findall(r"<script([^>]*)>", response.text)
    for attributes in scripts:  # no inline script: every one is a file or plain JSON data
        assert "src=" in attributes or 'type="application/json"' in attributes
    assert "/static/ninja/swagger-ui-bundle.js" in response.text
    assert "cdn" not in response.text.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_the_schema_and_docs_are_for_staff_and_key_holders_only(client, db, path):
    key = make_key([ApiScope.AVAILABILITY_READ])
    revoked = make_key()
    api_key_revoke(key=ApiKey.objects.get(prefix=revoked[:10]), now=NOW)

    anonymous = client.get(BASE + path)
    bad_keys = [client.get(BASE + path, headers=bearer(k)) for k in ("ck_guess", revoked)]
    with_key = client.get(BASE + path, headers=bearer(key))
    client.force_login(factories.staff(username="paula", role=RECEPTIONIST))
    password_only = client.get(BASE + path)
    factories.signed_in(client, factories.staff(username="nora"))
    no_role = client.get(BASE + path)

    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))
    assert [r.status_code for r in bad_keys] == [401, 401]
    assert with_key.status_code == 200
    assert ApiKeyUse.objects.filter(key__prefix=key[:10], status=200).exists()
    assert password_only.url.startswith(reverse("two_factor:verify"))
    assert no_role.status_code == 403


def test_every_api_answer_is_kept_out_of_caches(client, clinic, patient, settings):
    settings.CLINIC_API_PER_MINUTE = 3
    key = make_key([ApiScope.APPOINTMENTS_READ, ApiScope.BOOKINGS_WRITE])
    answers = {
        "401": client.get(BASE + f"/appointments/{'X' * 6}"),
        "404": client.get(BASE + "/appointments/NOSUCH", headers=bearer(key)),
        "404 unrouted": client.get(BASE + "/nowhere?api_key=x"),
        "422": post(client, "/appointments", {"start": "soon"}, key),
        "403": client.get(BASE + f"/patients/{patient.pk}", headers=bearer(key)),
        "429": client.get(BASE + "/appointments/NOSUCH", headers=bearer(key)),
        "schema": client.get(BASE + "/openapi.json", headers=bearer(key)),
    }

    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "401": 401,
        "404": 404,
        "404 unrouted": 404,
        "422": 422,
        "403": 403,
        "429": 429,
        "schema": 200,
    }
    for name, answer in answers.items():
        assert "no-store" in answer.get("Cache-Control", ""), name


def test_a_key_without_the_booking_scope_gets_403(client, clinic, patient):
    key = make_key([ApiScope.AVAILABILITY_READ, ApiScope.APPOINTMENTS_READ])

    response = post(client, "/appointments", booking_body(clinic, patient), key)

    assert response.status_code == 403
    assert "bookings:write" in response.json()["detail"]
    assert not Appointment.objects.exists()


def test_no_key_or_a_revoked_key_gets_401(client, clinic, patient):
    key = make_key()
    assert client.get(BASE + "/patients/1").status_code == 401
    api_key_revoke(key=ApiKey.objects.get(), now=NOW)
    assert client.get(BASE + f"/patients/{patient.pk}", headers=bearer(key)).status_code == 401
    assert client.get(BASE + "/patients/1", headers=bearer("ck_guess")).status_code == 401


def test_keys_are_stored_hashed(db):
    key = make_key()
    stored = ApiKey.objects.get()
    assert key not in (stored.key_hash, stored.prefix)
    assert stored.prefix == key[:10]


def test_it_books_through_the_booking_service_and_logs_every_use(client, clinic, patient):
    key = make_key()

    made = post(client, "/appointments", booking_body(clinic, patient), key)
    again = post(client, "/appointments", booking_body(clinic, patient), key)
    read = client.get(BASE + f"/appointments/{made.json()['reference']}", headers=bearer(key))

    assert made.status_code == 201
    assert made.json()["start"].startswith("2027-01-11T10:00")
    assert again.status_code == 409  # the same rules as the pages: the time is taken
    assert again.json()["code"] in {"taken", "patient"}
    assert read.json()["reference"] == made.json()["reference"]
    uses = list(ApiKeyUse.objects.order_by("pk").values_list("method", "status"))
    assert uses == [("POST", 201), ("POST", 409), ("GET", 200)]


def test_availability_comes_from_the_engine(client, clinic, patient):
    key = make_key([ApiScope.AVAILABILITY_READ])
    book(clinic, patient, at(10))  # alice, 10:00 to 11:10 with the buffer
    query = {
        "service": clinic.initial.slug,
        "location": clinic.location.slug,
        "date": MONDAY.isoformat(),
        "practitioner_id": clinic.alice.pk,
    }

    response = client.get(f"{BASE}/availability?{urlencode(query)}", headers=bearer(key))

    starts = [dt.datetime.fromisoformat(s["start"]) for s in response.json()]
    assert at(9) not in starts  # 09:00 + 60 min + 10 buffer runs into 10:00
    assert at(10) not in starts
    assert at(11) not in starts
    assert at(13) in starts
    assert starts == sorted(starts)


def test_bad_input_gets_a_json_4xx(client, clinic, patient):
    key = make_key()
    naive = booking_body(clinic, patient) | {"start": "2027-01-11T10:00:00"}
    huge = booking_body(clinic, patient) | {"patient_id": 2**63}

    for body in (naive, huge, {"start": "soon"}):
        response = post(client, "/appointments", body, key)
        assert response.status_code == 422, body
        assert response["Content-Type"].startswith("application/json")
    off_grid = post(client, "/appointments", booking_body(clinic, patient, at(10, 7)), key)
    assert off_grid.status_code == 422
    assert off_grid.json()["code"] == "off_grid"
    broken = client.post(
        BASE + "/appointments", "{", content_type="application/json", headers=bearer(key)
    )
    assert 400 <= broken.status_code < 500


def test_a_key_over_its_rate_gets_429(client, clinic, patient, settings):
    settings.CLINIC_API_PER_MINUTE = 2
    key = make_key()
    url = BASE + f"/patients/{patient.pk}"

    codes = [client.get(url, headers=bearer(key)).status_code for _ in range(3)]

    assert codes == [200, 200, 429]


# Fuzzing every operation from the project's own schema: never a server error.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_ever_answers_5xx(case, client, clinic, patient):
    key = make_key()
    path = case.formatted_path
    if case.query:
        path += "?" + urlencode(case.query, doseq=True)
    body = case.body if isinstance(case.body, (dict, list, str, int, float, bool)) else None
    headers = {
        k.lower(): v for k, v in (case.headers or {}).items() if k.lower() != "authorization"
    }
    response = client.generic(
        case.method,
        path,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=headers | bearer(key),
    )
    assert response.status_code < 500, (case.method, path, body, response.content[:300])


def test_the_manager_makes_a_key_in_the_admin_and_sees_it_once(admin_client, patient):
    response = admin_client.post(
        reverse("admin:booking_apikey_add"),
        {"name": "Accounts", "scopes": [ApiScope.PATIENTS_READ]},
        follow=True,
    )

    [message] = [str(m) for m in response.context["messages"] if "shown only now" in str(m)]
    key = message.rsplit(" ", 1)[1]
    stored = ApiKey.objects.get()
    assert stored.scopes == [ApiScope.PATIENTS_READ]
    assert stored.created_by is not None
    got = admin_client.get(BASE + f"/patients/{patient.pk}", headers=bearer(key))
    assert got.json()["email"] == patient.email
    assert admin_client.get(reverse("admin:booking_apikeyuse_changelist")).status_code == 200


def test_reading_a_patient_through_the_api_is_in_the_access_log(client, patient):
    key = make_key([ApiScope.PATIENTS_READ])

    client.get(BASE + f"/patients/{patient.pk}", headers=bearer(key))

    entry = PatientAccessLog.objects.get(patient=patient)
    assert entry.via == AccessVia.API
    assert key[:10] in entry.detail
