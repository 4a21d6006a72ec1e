"""Small ASGI middlewares of the gateway: ``X-HTTP-Method-Override`` on the tus endpoint, the tus
header (and CORS for browsers) on every upload answer, and the request body limit checked before
anything is read."""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import ProblemType, problem_response
from gateway.tus import OFFSET_OCTET_STREAM, TUS_VERSION, UPLOADS_PATH

METHOD_OVERRIDE_HEADER: Final = b"x-http-method-override"
# What a browser's tus client sends and needs to read. Authorization must be named: the "*"
# wildcard of Access-Control-Allow-Headers never covers it.
CORS_ALLOW_HEADERS: Final = (
    "Authorization, Content-Type, Tus-Resumable, Upload-Length, Upload-Defer-Length, "
    "Upload-Offset, Upload-Metadata, Upload-Checksum, X-HTTP-Method-Override, X-Requested-With"
)
CORS_EXPOSE_HEADERS: Final = (
    "Location, Upload-Offset, Upload-Length, Upload-Expires, Tus-Resumable, Tus-Version, "
    "Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm, Retry-After, WWW-Authenticate"
)
CORS_ALLOW_METHODS: Final = "POST, HEAD, PATCH, DELETE, OPTIONS"
CORS_MAX_AGE_S: Final = 86_400


def is_upload_path(path: str) -> bool:
    return path == UPLOADS_PATH or path.startswith(UPLOADS_PATH + "/")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value)
    return None


class MethodOverrideMiddleware:
    """tus 1.0: a POST with ``X-HTTP-Method-Override`` is handled as the method it names.

    For clients in environments that can send only GET and POST. Honoured on POST only, and only
    under ``/api/v1/uploads``: turning a GET into a PATCH or DELETE would make a safe request
    destructive. It runs outermost, so the body limit and the fault switches see the real
    method.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") == "POST"
            and is_upload_path(scope.get("path", ""))
        ):
            override = _header(scope, METHOD_OVERRIDE_HEADER)
            if override is not None and override.strip():
                method = override.strip().decode("latin-1").upper()
                scope = {**scope, "method": method}
        await self.app(scope, receive, send)


class TusHeaderMiddleware:
    """Every answer under ``/api/v1/uploads`` carries ``Tus-Resumable``, errors included.

    When a browser asks (an ``Origin`` header), answers also carry CORS headers, and a preflight
    gets the methods and headers tus needs. Any origin is allowed: the bearer token travels in a
    header a page must add itself, never in a cookie, so a foreign page gains nothing by it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_upload_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        cors = _header(scope, b"origin") is not None
        preflight = (
            cors
            and scope.get("method") == "OPTIONS"
            and _header(scope, b"access-control-request-method") is not None
        )

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"tus-resumable"
                ]
                headers.append((b"tus-resumable", TUS_VERSION.encode()))
                if cors:
                    headers.append((b"access-control-allow-origin", b"*"))
                    headers.append((b"access-control-expose-headers", CORS_EXPOSE_HEADERS.encode()))
                if preflight:
                    headers.append((b"access-control-allow-methods", CORS_ALLOW_METHODS.encode()))
                    headers.append((b"access-control-allow-headers", CORS_ALLOW_HEADERS.encode()))
                    headers.append((b"access-control-max-age", str(CORS_MAX_AGE_S).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)


class BodyLimitMiddleware:
    """Refuses a declared body over the limit before reading any of it.

    tus bodies are exempt: a PATCH, and a creation carrying its first bytes
    (creation-with-upload). Their bytes go to disk as they arrive, bounded by the upload's
    length, and the kiosk's chunks grow past the JSON limit on a good link. So is a POST to a
    path of ``streamed`` (a USB export), whose handler streams it to disk under its own bound.
    """

    def __init__(self, app: ASGIApp, limit: int, streamed: Collection[str] = ()) -> None:
        self.app = app
        self.limit = limit
        self.streamed = frozenset(streamed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and not _is_tus_body(scope)
            and not (scope.get("method") == "POST" and scope.get("path") in self.streamed)
        ):
            for name, value in scope.get("headers", []):
                if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                    response = problem_response(
                        413,
                        ProblemType.TOO_LARGE,
                        f"A request body is at most {self.limit} bytes.",
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _is_tus_body(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    method = scope.get("method")
    if method == "PATCH":
        return is_upload_path(path)
    if method == "POST" and path == UPLOADS_PATH:
        media = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
        return media == OFFSET_OCTET_STREAM.encode()
    return False
