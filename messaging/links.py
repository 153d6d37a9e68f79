"""Short links for texts: /t/<code>, a random code standing for a path of this site until
it expires. A text has room for one short address, not for a signed token's hundred
characters; the code says nothing about the patient or the appointment."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from messaging.models import ShortLink

# No 0/o, 1/l/i: codes read aloud over the phone stay unambiguous.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def short_url(path: str, *, expires_at: dt.datetime) -> str:
    """An absolute short URL that redirects to ``path`` (of this site) until
    ``expires_at``."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"A short link goes to a path of this site, not {path!r}")
    for _ in range(5):
        try:
            with transaction.atomic():
                link = ShortLink.objects.create(code=new_code(), target=path, expires_at=expires_at)
        except IntegrityError:
            continue  # a code already taken: 31**8 codes, so a second draw all but never is
        return settings.SITE_URL + reverse("messaging:short_link", args=[link.code])
    raise RuntimeError("No free short link code after five draws")
