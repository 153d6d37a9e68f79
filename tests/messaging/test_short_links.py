"""Short links in texts: /t/<code> redirects while it lasts; gone or unknown, the same
friendly page."""

import datetime as dt

import pytest
import time_machine

from messaging.links import ALPHABET, CODE_LENGTH, short_url
from messaging.models import ShortLink

NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://clinic.example"
    with time_machine.travel(NOW, tick=False):
        yield


def test_it_makes_an_absolute_short_address(db, site):
    url = short_url("/my/sign-in/abc/", expires_at=NOW + dt.timedelta(minutes=30))
    link = ShortLink.objects.get()
    assert url == f"https://clinic.example/t/{link.code}"
    assert len(link.code) == CODE_LENGTH
    assert set(link.code) <= set(ALPHABET)
    assert len(url) <= 34


def test_codes_differ(db, site):
    urls = {short_url("/x/", expires_at=NOW + dt.timedelta(days=1)) for _ in range(20)}
    assert len(urls) == 20


def test_it_redirects_until_it_expires(client, db, site):
    url = short_url("/manage/abc/", expires_at=NOW + dt.timedelta(hours=1))
    path = url.removeprefix("https://clinic.example")
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (302, "/manage/abc/")
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        gone = client.get(path)
    assert gone.status_code == 404
    assert "This link has expired" in gone.text


def test_unknown_and_expired_look_the_same(client, db, site):
    url = short_url("/manage/abc/", expires_at=NOW - dt.timedelta(seconds=1))
    expired = client.get(url.removeprefix("https://clinic.example"))
    unknown = client.get("/t/zzzzzzzz")
    assert expired.status_code == unknown.status_code == 404
    assert expired.content == unknown.content


def test_it_never_points_off_the_site(db, site):
    for target in ("https://elsewhere.example/", "//elsewhere.example/", "manage/"):
        with pytest.raises(ValueError, match="path of this site"):
            short_url(target, expires_at=NOW + dt.timedelta(days=1))
    assert not ShortLink.objects.exists()


def test_odd_codes_are_the_same_404_not_an_error(client, db, site):
    unknown = client.get("/t/zzzzzzzz")
    for code in ("%00", "a" * 500, "☃", "ZZZZZZZZ", "abc"):
        response = client.get(f"/t/{code}")
        assert (response.status_code, response.content) == (404, unknown.content)
