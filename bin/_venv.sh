# Sourced by bin/run and bin/test: find Python 3.12+, create .venv, install the project,
# compile the stylesheets.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

find_python() {
    for candidate in ${PYTHON:-} python3.13 python3.12 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Python 3.12 or newer is needed (set PYTHON=/path/to/python3.12 if it has another name)." >&2
    return 1
}

ensure_venv() {
    # $1: extra pip arguments (for example "--group dev").
    local stamp=.venv/.installed-$(cat pyproject.toml package.json package-lock.json | cksum | cut -d' ' -f1)$1
    stamp=${stamp// /}
    if [ ! -x .venv/bin/python ]; then
        "$(find_python)" -m venv .venv
    fi
    if [ ! -f "$stamp" ]; then
        .venv/bin/python -m pip install --quiet --upgrade "pip>=25.1"
        # shellcheck disable=SC2086
        .venv/bin/python -m pip install --quiet -e . $1
        command -v npm >/dev/null 2>&1 || { echo "npm (Node.js) is needed for the front-end packages." >&2; exit 1; }
        npm ci --no-audit --no-fund --loglevel=error
        touch "$stamp"
    fi
    build_styles
}

build_styles() {
    # The stylesheets are compiled from assets/scss into static/build (git-ignored). Sass
    # takes a few seconds, so compile again only when a source or the npm package files are
    # newer than the last build (npm ci installs exactly what package-lock.json says).
    local built=static/build/.built
    if [ ! -f "$built" ] || [ ! -f static/build/site.css ] || [ ! -f static/build/staff.css ] ||
        [ -n "$(find assets/scss package.json package-lock.json -newer "$built" -print -quit)" ]; then
        npm run build --silent
        touch "$built"
    fi
}

check_pdf_libraries() {
    # WeasyPrint (invoices, receipts and credit notes as PDF) needs pango from the system;
    # without it everything else runs and the downloads answer "cannot be made just now".
    if ! .venv/bin/python -c "import weasyprint" >/dev/null 2>&1; then
        echo "PDF documents are off: pango is missing (Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; macOS: brew install pango): invoices, receipts and credit notes cannot be downloaded and their tests fail; everything else works." >&2
    fi
}
