"""Development's email backend (MAILER=console): each email printed as a person reads it.

Django's own console backend prints the raw MIME source, where the plain-text part is
quoted-printable or base64 and a long link is cut by soft line breaks (``=``), so it
cannot be clicked or copied. This one prints the headers that matter, the plain-text
part decoded (every link whole on its own line, as the layout writes it, which terminals
make clickable), and the HTML part and attachments by name, type and size.
"""

from email.message import EmailMessage as MIMEMessage
from typing import TextIO

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

RULE = "-" * 79


def _size(count: int) -> str:
    return f"{count} bytes" if count < 1024 else f"{count / 1024:.1f} KB"


def readable(message: EmailMessage) -> str:
    mime = message.message()
    lines = [
        f"{name}: {mime[name]}"
        for name in ("From", "To", "Cc", "Reply-To", "Subject", "Date")
        if mime[name]
    ]
    assert isinstance(mime, MIMEMessage)
    plain = mime.get_body(preferencelist=("plain",))
    lines += ["", plain.get_content().rstrip() if plain is not None else "(no plain-text part)"]
    html = mime.get_body(preferencelist=("html",))
    extras = []
    if html is not None:
        extras.append(f"  (HTML part) text/html, {_size(len(html.get_content()))}")
    for part in mime.iter_attachments():
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        name = part.get_filename() or "(unnamed)"
        extras.append(f"  {name}: {part.get_content_type()}, {_size(size)}")
    if extras:
        lines += ["", "Also in this email:", *extras]
    return "\n".join(lines)


class EmailBackend(DjangoConsoleBackend):
    stream: TextIO

    def write_message(self, message: EmailMessage) -> None:
        self.stream.write(f"{readable(message)}\n{RULE}\n")
