"""The manager's wording of a message: a Django template that may hold only plain text and
``{{ placeholder }}`` names from the kind's list: no tags, no filters, no dotted names,
no comments (decision 0110). Checked when saved, so a saved template always renders.

It renders to plain text; the email layout escapes it for HTML. Nothing the manager
types, and no placeholder's value, is ever read as HTML.
"""

import difflib
import re
from collections.abc import Iterable, Mapping

from django.template import Context, Engine
from django.template.base import Lexer, TokenType

# No libraries, no built-in tags or filters: only variables can be written at all.
ENGINE = Engine(builtins=[], libraries={}, autoescape=False, string_if_invalid="")

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_STRAY = ("{{", "}}", "{%", "%}", "{#", "#}")


class TemplateRefused(ValueError):
    """The wording cannot be saved: ``message`` says why, for the manager."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _allowed(placeholders: Iterable[str]) -> str:
    return ", ".join("{{ " + name + " }}" for name in placeholders)


def _variable_problem(contents: str, placeholders: tuple[str, ...]) -> str:
    name = contents.strip()
    if not name:
        return "An empty {{ }} has no placeholder name."
    if "|" in name:
        return f"{{{{ {name} }}}} uses a filter; placeholders are written without one."
    if "." in name:
        return f"{{{{ {name} }}}} is not a placeholder: use the plain names below."
    if not _NAME.match(name) or name not in placeholders:
        close = difflib.get_close_matches(name, placeholders, n=1)
        hint = f" Did you mean {{{{ {close[0]} }}}}?" if close else ""
        return f"Unknown placeholder {{{{ {name} }}}}.{hint}"
    return ""


def check(source: str, placeholders: tuple[str, ...]) -> None:
    """Refuse anything but text and known placeholders, naming the first problem, its
    line, and the placeholders this message may use."""
    for token in Lexer(source).tokenize():
        line = token.lineno or 1
        if token.token_type == TokenType.VAR:
            problem = _variable_problem(token.contents, placeholders)
        elif token.token_type == TokenType.BLOCK:
            problem = f"{{% {token.contents} %}} is a template tag; only placeholders are allowed."
        elif token.token_type == TokenType.COMMENT:
            problem = "{# … #} comments are not allowed."
        else:
            stray = next((mark for mark in _STRAY if mark in token.contents), "")
            problem = (
                f"“{stray}” does not open or close a placeholder: write {{{{ name }}}}."
                if stray
                else ""
            )
            if stray:
                line += token.contents[: token.contents.index(stray)].count("\n")
        if problem:
            raise TemplateRefused(
                f"Line {line}: {problem} This message may use: {_allowed(placeholders)}."
            )


def render(source: str, context: Mapping[str, str]) -> str:
    """The wording with each placeholder's value put in (checked wording only)."""
    return ENGINE.from_string(source).render(Context(dict(context), autoescape=False))
