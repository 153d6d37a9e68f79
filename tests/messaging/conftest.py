import pytest
from django.tasks import task_backends

from messaging import catalogue


@pytest.fixture
def kinds():
    """The catalogue as it was after the test, whatever the test registered."""
    before = dict(catalogue.KINDS)
    yield catalogue
    catalogue.KINDS.clear()
    catalogue.KINDS.update(before)


@pytest.fixture
def deferred():
    """The tasks queued for later (a text held for the morning), recorded, not run."""
    backend = task_backends["deferred"]
    backend.clear()
    yield backend
    backend.clear()
