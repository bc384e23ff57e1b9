"""gzip for every response worth it (Starlette's GZipMiddleware), with zlib-ng's deflate instead of zlib's.

On a lesson page (21 KB of HTML) zlib at level 6 took 0.58 ms, a fifth of the page's whole cost;
zlib-ng takes 0.23 ms at level 6 but for a stream 0.4 % larger, and 0.29 ms at level 7 for the same
size (7,360 bytes against 7,356; base.html leaves out what a signed-in page does not need, the lesson's
template its blank lines: 7,353). Our users pay for bytes, so level 7 (docs/performance.md). The browser
sees plain gzip: zlib-ng writes the same format.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware, GZipResponder, IdentityResponder
from starlette.types import Receive, Scope, Send
from zlib_ng import zlib_ng

COMPRESS_LEVEL = 7


class _Responder(GZipResponder):
    @property
    def compressor(self) -> Any:
        if self._compressor is None:
            gzip_format = 16 + zlib_ng.MAX_WBITS
            # zlib-ng's compressor has zlib's interface (compress, flush), not its type
            self._compressor = zlib_ng.compressobj(  # type: ignore[assignment]
                self.compresslevel, zlib_ng.DEFLATED, gzip_format
            )
        return self._compressor


class GZip(GZipMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responder: IdentityResponder
        if "gzip" in Headers(scope=scope).get("Accept-Encoding", ""):
            responder = _Responder(
                self.app,
                self.minimum_size,
                compresslevel=self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        else:
            responder = IdentityResponder(
                self.app, self.minimum_size, exclude_content_types=self.exclude_content_types
            )
        await responder(scope, receive, send)
