"""Property tests of tus PATCH against a live gateway: random sequences of requests, each one
right or wrong in one or several ways, checked against a model of what tus 1.0 says.

schemathesis can only fill a PATCH body with random bytes at a random offset; here the bytes
are the upload's own, so the invariants that matter can be stated:

- the offset never exceeds the length, and moves only on a 204, by exactly the bytes sent;
- a wrong ``Upload-Offset`` is 409, a wrong content type 415, more bytes than fit 413, bytes
  that break their ``Upload-Checksum`` 460, and none of them moves the offset;
- once the offset reaches the length, the stored file is the concatenation of what was accepted.

When a request is wrong in several ways the gateway's order of checks decides the answer:
content type, then offset, then room, then checksum.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

import requests
from gateway_testkit import OCTETS, TUS, Gateway
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

MAX_LENGTH = 3000
ALGORITHMS = ("sha1", "md5", "sha256")


class Checksum(StrEnum):
    NONE = "none"
    RIGHT = "right"
    WRONG = "wrong"


class Offset(StrEnum):
    """Which ``Upload-Offset`` the request names."""

    RIGHT = "right"
    BEFORE = "before"  # one byte back (one ahead at 0, where nothing is before)
    AFTER = "after"  # one byte ahead
    PAST_THE_END = "past-the-end"


class Size(StrEnum):
    """How many bytes, against the room left in the upload."""

    EMPTY = "empty"
    SOME = "some"  # a random part of the room
    ALL = "all"  # exactly the room: the upload completes
    ONE_TOO_MANY = "one-too-many"
    FAR_TOO_MANY = "far-too-many"


class Framing(StrEnum):
    """How the body travels: with its length declared, or chunked (length unknown up front)."""

    DECLARED = "declared"
    CHUNKED = "chunked"


@dataclass(frozen=True)
class Patch:
    """One PATCH of bytes taken from the upload's content at the current offset."""

    size: Size
    fraction: float
    offset: Offset
    checksum: Checksum
    algorithm: str
    octet_stream: bool
    framing: Framing

    def named_offset(self, offset: int, length: int) -> int:
        match self.offset:
            case Offset.RIGHT:
                return offset
            case Offset.BEFORE:
                return offset - 1 if offset > 0 else offset + 1
            case Offset.AFTER:
                return offset + 1
            case Offset.PAST_THE_END:
                return length + 5

    def byte_count(self, room: int) -> int:
        match self.size:
            case Size.EMPTY:
                return 0
            case Size.SOME:
                return max(1, int(room * self.fraction))
            case Size.ALL:
                return room
            case Size.ONE_TOO_MANY:
                return room + 1
            case Size.FAR_TOO_MANY:
                return room + 1 + int(MAX_LENGTH * self.fraction)

    def expected_status(self, offset: int, length: int, body: bytes) -> int:
        """What tus says, in the order the gateway checks."""
        if not self.octet_stream:
            return 415
        if self.named_offset(offset, length) != offset:
            return 409
        if len(body) > length - offset:
            return 413
        if self.checksum is Checksum.WRONG:
            return 460
        return 204


# Mostly right, so that sequences get somewhere; each way of being wrong often enough.
patches = st.builds(
    Patch,
    size=st.sampled_from(
        [Size.SOME] * 4 + [Size.EMPTY, Size.ALL, Size.ALL] + [Size.ONE_TOO_MANY, Size.FAR_TOO_MANY]
    ),
    fraction=st.floats(min_value=0, max_value=1),
    offset=st.sampled_from([Offset.RIGHT] * 7 + [Offset.BEFORE, Offset.AFTER, Offset.PAST_THE_END]),
    checksum=st.sampled_from([Checksum.NONE, Checksum.RIGHT, Checksum.RIGHT, Checksum.WRONG]),
    algorithm=st.sampled_from(ALGORITHMS),
    octet_stream=st.sampled_from([True] * 7 + [False]),
    framing=st.sampled_from(list(Framing)),
)


def digest_header(algorithm: str, data: bytes) -> str:
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def pieces(data: bytes, size: int = 700) -> Iterator[bytes]:
    yield from (data[i : i + size] for i in range(0, len(data), size))


def send(
    gateway: Gateway, location: str, patch: Patch, offset: int, length: int, body: bytes
) -> requests.Response:
    headers = {
        **TUS,
        "Content-Type": OCTETS if patch.octet_stream else "application/octet-stream",
        "Upload-Offset": str(patch.named_offset(offset, length)),
    }
    if patch.checksum is Checksum.RIGHT:
        headers["Upload-Checksum"] = digest_header(patch.algorithm, body)
    elif patch.checksum is Checksum.WRONG:
        headers["Upload-Checksum"] = digest_header(patch.algorithm, body + b"\x00")
    data: bytes | Iterator[bytes] = body if patch.framing is Framing.DECLARED else pieces(body)
    return gateway.session.patch(location, data=data, headers=headers, timeout=10)


def test_patch_keeps_the_tus_invariants(gateway: Gateway) -> None:
    @settings(
        max_examples=100,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        content=st.binary(min_size=1, max_size=MAX_LENGTH),
        sequence=st.lists(patches, min_size=1, max_size=8),
    )
    def invariants(content: bytes, sequence: list[Patch]) -> None:
        length = len(content)
        created = gateway.create_upload(length)
        assert created.status_code == 201
        location = created.headers["Location"]
        offset = 0
        for patch in sequence:
            if offset == length:
                break
            count = patch.byte_count(length - offset)
            body = content[offset : offset + count]
            body += b"x" * (count - len(body))  # overlong: more than the room left
            wanted = patch.expected_status(offset, length, body)
            event(f"answer {wanted}")  # shown by --hypothesis-show-statistics

            answer = send(gateway, location, patch, offset, length, body)

            assert answer.status_code == wanted, (patch, offset, length, answer.text)
            if wanted == 204:
                offset += len(body)
                assert answer.headers["Upload-Offset"] == str(offset)
            head = gateway.head(location)
            assert head.status_code == 200
            assert int(head.headers["Upload-Offset"]) == offset <= length
        # Whatever happened, the rest sent right completes the upload with the right bytes.
        if offset < length:
            rest = content[offset:]
            finish = gateway.patch(
                location, offset, rest, Upload_Checksum=digest_header("sha1", rest)
            )
            assert finish.status_code == 204, finish.text
        upload_id = location.rsplit("/", 1)[1]
        assert (gateway.data_dir / "uploads" / f"{upload_id}.bin").read_bytes() == content

    invariants()
