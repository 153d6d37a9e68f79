import pytest

from messaging import catalogue


@pytest.fixture
def kinds():
    """The catalogue as it was after the test, whatever the test registered."""
    before = dict(catalogue.KINDS)
    yield catalogue
    catalogue.KINDS.clear()
    catalogue.KINDS.update(before)
