"""Staff passwords, kept as scrypt hashes.

Why scrypt (``hashlib.scrypt``, from the standard library's OpenSSL): it is memory-hard, so a
stolen table costs an attacker memory as well as time per guess, which is what makes GPU and
ASIC guessing expensive; it needs no new dependency (argon2id would need ``argon2-cffi``, a
compiled package to keep patched on every province's server), and OpenSSL's implementation is
the one the rest of the TLS stack already trusts. The parameters are the widely recommended
interactive ones: n=2**15, r=8, p=1 — 32 MiB and about 0.1 s per hash on the province's
servers, fine for a log-in and ruinous for a guesser — with a 16-byte random salt.

A hash is stored with its parameters (``scrypt$n=32768,r=8,p=1$<salt>$<hash>``, base64), so they
can be raised later: ``needs_rehash`` says when a stored hash is weaker than today's parameters,
and the console rehashes the password at the next successful log-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

MIN_PASSWORD_CHARS = 12
_SCHEME = "scrypt"
_SALT_BYTES = 16
_HASH_BYTES = 32


@dataclass(frozen=True)
class ScryptParameters:
    n: int = 2**15
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        # scrypt needs 128·n·r bytes; OpenSSL refuses above maxmem (32 MiB by default, which
        # n=2**15, r=8 exactly fills), so allow twice what the parameters need.
        return 2 * 128 * self.n * self.r * self.p + (1 << 20)

    def text(self) -> str:
        return f"n={self.n},r={self.r},p={self.p}"

    @classmethod
    def parse(cls, text: str) -> ScryptParameters:
        values = dict(part.split("=", 1) for part in text.split(","))
        return cls(n=int(values["n"]), r=int(values["r"]), p=int(values["p"]))


CURRENT = ScryptParameters()


class PasswordTooShortError(ValueError):
    """A new password shorter than ``MIN_PASSWORD_CHARS``."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, params: ScryptParameters) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=params.n,
        r=params.r,
        p=params.p,
        maxmem=params.maxmem,
        dklen=_HASH_BYTES,
    )


def hash_password(password: str, params: ScryptParameters = CURRENT) -> str:
    """The stored form of a new password (PasswordTooShortError if it is too short)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordTooShortError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    salt = secrets.token_bytes(_SALT_BYTES)
    return f"{_SCHEME}${params.text()}${_b64(salt)}${_b64(_derive(password, salt, params))}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (compared in constant time);
    False for a stored text that is not a hash of ours."""
    try:
        scheme, params_text, salt_text, hash_text = stored.split("$")
        if scheme != _SCHEME:
            return False
        params = ScryptParameters.parse(params_text)
        salt, expected = base64.b64decode(salt_text), base64.b64decode(hash_text)
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(_derive(password, salt, params), expected)


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with weaker parameters than ``CURRENT``."""
    try:
        params = ScryptParameters.parse(stored.split("$")[1])
    except (ValueError, KeyError, IndexError):
        return True
    return (params.n, params.r, params.p) < (CURRENT.n, CURRENT.r, CURRENT.p)


DUMMY_HASH = f"{_SCHEME}${CURRENT.text()}${_b64(bytes(_SALT_BYTES))}${_b64(bytes(_HASH_BYTES))}"
"""Checked against when the username is unknown, so that answer takes as long as a wrong
password's and the time does not tell which usernames exist."""
