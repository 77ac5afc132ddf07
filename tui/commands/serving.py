"""textual-serve's server with a limit on concurrent sessions (each is a process running the
whole app): a tab opened beyond the limit gets a short page saying so, and its websocket is
closed before any process starts."""

from __future__ import annotations

from aiohttp import web
from textual_serve.server import Server

FULL = "backprop-lab is already serving {n} sessions, its limit: close a tab or try again later."
TRY_AGAIN_LATER = 1013  # the websocket close code for an overloaded server


class LimitedServer(Server):
    """At most ``max_sessions`` apps at once."""

    max_sessions = 4

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.sessions = 0

    @property
    def full(self) -> bool:
        return self.sessions >= self.max_sessions

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.full:
            return web.Response(status=503, text=FULL.format(n=self.sessions))
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if self.full:
            websocket = web.WebSocketResponse()
            await websocket.prepare(request)
            message = FULL.format(n=self.sessions).encode()[:120]
            await websocket.close(code=TRY_AGAIN_LATER, message=message)
            return websocket
        self.sessions += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions -= 1
