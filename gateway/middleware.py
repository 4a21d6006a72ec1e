"""Small ASGI middlewares of the gateway: the tus header on every upload answer, and the
request body limit checked before anything is read."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import ProblemType, problem_response
from gateway.tus import TUS_VERSION, UPLOADS_PATH


class TusHeaderMiddleware:
    """Every answer under ``/api/v1/uploads`` carries ``Tus-Resumable``, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(UPLOADS_PATH):
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"tus-resumable"
                ]
                headers.append((b"tus-resumable", TUS_VERSION.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)


class BodyLimitMiddleware:
    """Refuses a declared body over the limit before reading any of it (tus PATCH excepted)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not _is_tus_patch(scope):
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


def _is_tus_patch(scope: Scope) -> bool:
    return bool(scope.get("method") == "PATCH" and scope.get("path", "").startswith(UPLOADS_PATH))
