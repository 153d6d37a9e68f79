"""Finding the browser the browser tests drive (tests/browser/chromium.py); needs none."""

import stat

import pytest

from tests.browser.chromium import find_chromium


def executable(folder, name):
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_it_takes_chromium_from_path_under_any_of_its_names(tmp_path):
    found = executable(tmp_path, "chromium-browser")

    assert find_chromium({"PATH": str(tmp_path)}, apps=[]) == found


def test_it_prefers_chromium_to_chrome(tmp_path):
    executable(tmp_path, "google-chrome")
    found = executable(tmp_path, "chromium")

    assert find_chromium({"PATH": str(tmp_path)}, apps=[]) == found


def test_it_takes_the_browser_that_chromium_names(tmp_path):
    executable(tmp_path, "chromium")
    named = executable(tmp_path, "my-chromium")

    assert find_chromium({"PATH": str(tmp_path), "CHROMIUM": str(named)}, apps=[]) == named


def test_it_takes_the_macos_app(tmp_path):
    app = executable(tmp_path, "Chromium")

    assert find_chromium({"PATH": str(tmp_path / "empty")}, apps=[app]) == app


def test_it_says_in_one_line_how_to_install_chromium_when_there_is_none(tmp_path):
    with pytest.raises(LookupError) as missing:
        find_chromium({"PATH": str(tmp_path)}, apps=[tmp_path / "Chromium.app"])

    assert "\n" not in str(missing.value)
    assert "The browser tests need Chromium: `apt-get install chromium`" in str(missing.value)
    assert "CHROMIUM=/path/to/chromium" in str(missing.value)


def test_it_says_when_chromium_names_no_file(tmp_path):
    with pytest.raises(LookupError, match=r"^CHROMIUM=/nowhere/chromium is not a file\. "):
        find_chromium({"PATH": str(tmp_path), "CHROMIUM": "/nowhere/chromium"}, apps=[])
