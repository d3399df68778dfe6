"""Receiving an upload: the body (raw, or the `file` part of a multipart form, with an optional
`structure` part) is hashed (SHA-256) and left on disk or in a small spool, to be parsed in chunks."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from typing import IO

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from sihub_shared.errors import PayloadTooLarge, ProblemError

SPOOL_IN_MEMORY = 1024 * 1024
# The types a file is sent as the raw body (the `format` parameter says how to read it); without a
# Content-Type the body is read as `format` says too.
FILE_TYPES = ("text/csv", "application/vnd.sdmx.data+csv", "application/xml", "text/xml",
              "application/vnd.sdmx.genericdata+xml", "application/vnd.sdmx.structurespecificdata+xml",
              "application/vnd.sdmx.data+xml",  # SDMX-ML 3.0, as SDMX REST 2.0 services send it
              "application/octet-stream")  # a file of unnamed type: read as `format` says
_SEND_AS = (f"send the file as {', '.join(FILE_TYPES)} or multipart/form-data "
            "(curl: --data-binary @file.csv -H 'content-type: text/csv')")
_BLOCK = 1024 * 1024


@dataclass
class Upload:
    file: IO[bytes]
    sha256: str
    size: int
    filename: str | None
    structure: IO[bytes] | None = None  # a multipart `structure` part (SDMX-ML structure message)

    def close(self) -> None:
        self.file.close()
        if self.structure is not None:
            self.structure.close()


async def receive_upload(request: Request, file: UploadFile | None, structure: UploadFile | None) -> Upload:
    """The file: the parts FastAPI parsed from a multipart form, or else the raw body, streamed."""
    content_type = request.headers.get("content-type")
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "multipart/form-data":
        return _from_form(file, structure)
    if content_type is not None and media not in FILE_TYPES:
        # Any other type is not what the body holds (a JSON array of observations, a PNG; curl -d
        # sends a form): read as CSV it only gave a misleading "not valid CSV", or was stored.
        raise ProblemError.for_header("Content-Type", f"the ingest does not read {media or 'an empty type'}",
                                      _SEND_AS, status=415, title="Unsupported media type")
    digest = hashlib.sha256()
    size = 0
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed by the caller
    try:
        async for block in request.stream():
            digest.update(block)
            spool.write(block)
            size += len(block)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return Upload(spool, digest.hexdigest(), size, None)


def _from_form(upload: UploadFile | None, structure: UploadFile | None) -> Upload:
    if upload is None:
        raise ProblemError.for_field("file", "send the observations as the multipart part named 'file'")
    digest = hashlib.sha256()
    size = 0
    upload.file.seek(0)
    while block := upload.file.read(_BLOCK):
        digest.update(block)
        size += len(block)
    upload.file.seek(0)
    if structure is not None:
        structure.file.seek(0)
    return Upload(upload.file, digest.hexdigest(), size, upload.filename,
                  structure.file if structure is not None else None)


class UploadRoute(APIRoute):
    """A route whose form is parsed by FastAPI before the route runs: Starlette refuses a form over
    its limits (parts, files, a part's size) or malformed with a bare 400 that names nothing, so
    the refusal is given again here as a problem naming the body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_form_refusals(request: Request) -> Response:
            try:
                return await handle(request)
            except HTTPException as exc:
                refusal = exc.__context__
                if not isinstance(refusal, MultiPartException):
                    raise
                error = PayloadTooLarge if "maximum size" in refusal.message else ProblemError
                raise error(f"body: {refusal.message}", errors=[
                    {"field": "body", "in": "body", "message": f"{refusal.message} {_FORM_PARTS}"}]) from None

        return handle_form_refusals


_FORM_PARTS = "The form's parts are `file`, `structure` (an SDMX-ML structure message) and `mapping`."
