"""Where the browser tests find Chromium, or how to install it, in one line."""

import shutil
from pathlib import Path

BROWSERS = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"]
MACOS_APPS = [
    Path("/Applications/Chromium.app/Contents/MacOS/Chromium"),
    Path("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"),
]
INSTALL = (
    "The browser tests need Chromium: `apt-get install chromium` (Debian, Ubuntu; .ci/run "
    "does it), `brew install --cask chromium` (macOS), or CHROMIUM=/path/to/chromium; "
    '`bin/test -m "not browser"` leaves them out.'
)


def find_chromium(environ: dict[str, str], *, apps: list[Path] = MACOS_APPS) -> Path:
    """CHROMIUM if set, else the first Chromium or Chrome on PATH, else a macOS app; a
    LookupError says in one line how to install one."""
    if named := environ.get("CHROMIUM"):
        if Path(named).is_file():
            return Path(named)
        raise LookupError(f"CHROMIUM={named} is not a file. {INSTALL}")
    for name in BROWSERS:
        if found := shutil.which(name, path=environ.get("PATH")):
            return Path(found)
    for app in apps:
        if app.is_file():
            return app
    raise LookupError(INSTALL)
