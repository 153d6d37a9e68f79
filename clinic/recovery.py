"""Recovery codes for a lost phone: 80 random bits each, shown once in groups of four
characters, and kept only as HMAC-SHA256 under a salt of their own (decision 0072).

The codes are random and long, so a fast keyed hash is enough (nobody can try 2**80
guesses against a stolen table), and checking ten of them at a sign-in costs nothing."""

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

CODE_BYTES = 10  # 80 bits: 16 characters of base32
GROUP = 4
_SEPARATORS = re.compile(r"[\s-]")


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").lower()


def grouped(code: str) -> str:
    """abcd-efgh-ijkl-mnop: easier to read out, copy and type; the dashes are optional."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalised(text: str) -> str:
    return _SEPARATORS.sub("", text).lower()


def new_salt() -> str:
    return secrets.token_hex(16)


def digest(code: str, salt: str) -> str:
    return hmac.new(bytes.fromhex(salt), normalised(code).encode(), hashlib.sha256).hexdigest()


def matching[K](code: str, stored: Iterable[tuple[K, str, str]]) -> K | None:
    """The key of the stored (key, salt, digest) that the code matches. Every stored code
    is compared, each in constant time, so the time taken says nothing of which matched."""
    found: K | None = None
    for key, salt, expected in stored:
        if hmac.compare_digest(digest(code, salt), expected) and found is None:
            found = key
    return found
