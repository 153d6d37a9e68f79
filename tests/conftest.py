import datetime as dt

import pytest
from django.db import connection

from clinic.roles import RECEPTIONIST
from patients.models import Patient
from tests import factories
from tests.receivers import HttpReceiver, RawReceiver
from tests.sms_fixtures import sms_standin, text_outbox, twilio_texts
from tests.stripe_fixtures import online_payments, stripe_standin, stripe_webhooks

__all__ = [  # fixtures for every test
    "online_payments",
    "sms_standin",
    "stripe_standin",
    "stripe_webhooks",
    "text_outbox",
    "twilio_texts",
]

DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, made only when a test asks for one (the `db` fixture or the
    `django_db` mark): pure tests run without PostgreSQL."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.exit("The tests need PostgreSQL: run them with bin/test.", returncode=2)


@pytest.fixture
def clinic(db) -> factories.Clinic:
    return factories.clinic()


@pytest.fixture
def patient(db) -> Patient:
    """Charlie, the patient most tests are about."""
    return factories.patient()


def _other_patient(first_name: str, date_of_birth: dt.date) -> Patient:
    # Neither phone nor birthday is Charlie's, so a search finds one of them only.
    return factories.patient(
        first_name=first_name, last_name="Other", phone="+441134960001", date_of_birth=date_of_birth
    )


@pytest.fixture
def dana(db) -> Patient:
    """Another patient, for tests where two compete."""
    return _other_patient("Dana", dt.date(1990, 2, 3))


@pytest.fixture
def erin(db) -> Patient:
    """Another patient, for tests where two compete."""
    return _other_patient("Erin", dt.date(1975, 1, 1))


@pytest.fixture
def rita(db):
    """A receptionist's account."""
    return factories.staff(username="rita", role=RECEPTIONIST)


@pytest.fixture
def desk(client, rita):
    """The test client, signed in at the front desk (as Rita)."""
    factories.signed_in(client, rita)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, signed in with both factors as the admin requires."""
    return factories.signed_in(client, admin_user)


@pytest.fixture
def loopback_webhooks(settings):
    """Webhooks may reach the test receivers on 127.0.0.1 over plain http, for this test
    alone: everywhere else loopback is refused like any other non-public address."""
    settings.CLINIC_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.CLINIC_WEBHOOK_HTTPS_ONLY = False


@pytest.fixture
def receiver_factory():
    """Makes HTTP receivers (``make([200])``) and raw ones (``make(behaviour)``), all
    closed when the test ends."""
    made = []

    def make(answers_or_behaviour, **kwargs):
        if callable(answers_or_behaviour):
            made.append(RawReceiver(answers_or_behaviour))
        else:
            made.append(HttpReceiver(answers_or_behaviour, **kwargs))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def pytest_configure(config):
    from django.conf import settings
    from django.core.signals import setting_changed

    config.addinivalue_line("markers", "database: the test uses the database (set by conftest)")
    config.addinivalue_line("markers", "browser: the test drives Chromium (tests/browser)")
    # Real hashing is slow by design; tests only need passwords that work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run at once, and those for later go to a recording backend the tests play
    # the worker for. Production settings refuse TASKS_BACKEND=immediate, so it is set here.
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
        "deferred": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"},
    }
    settings.DEFERRED_TASK_BACKEND = "deferred"
    # Importing this conftest already loaded the task modules, and with them the backends:
    # tell Django's tasks the setting changed, as override_settings would.
    setting_changed.send(sender=type(settings), setting="TASKS", value=settings.TASKS, enter=True)
    # The hashed names exist only after collectstatic; .ci/run's production smoke test
    # serves those through the real server.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_collection_modifyitems(items):
    """Mark every test that asks for the database, so that `-m "not database"` runs the
    others alone: CI runs them with no database reachable, which a test that touches the
    database without asking cannot pass."""
    for item in items:
        if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(item.fixturenames):
            item.add_marker("database")
