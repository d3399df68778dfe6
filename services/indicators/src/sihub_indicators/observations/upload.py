"""Receiving an upload: the body (raw, or the `file` part of a multipart form) is spooled to a
temporary file while its SHA-256 is taken, so that it can be parsed in chunks from disk."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from typing import IO

from starlette.datastructures import UploadFile
from starlette.requests import Request

from sihub_shared.errors import ProblemError

SPOOL_IN_MEMORY = 1024 * 1024
_BLOCK = 1024 * 1024


@dataclass
class Upload:
    file: IO[bytes]
    sha256: str
    size: int
    filename: str | None
    mapping: str | None  # a multipart `mapping` part (JSON), if any

    def close(self) -> None:
        self.file.close()


async def receive_upload(request: Request) -> Upload:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return await _from_form(request)
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
    return Upload(spool, digest.hexdigest(), size, None, None)


async def _from_form(request: Request) -> Upload:
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        await form.close()
        raise ProblemError.for_field("file", "send the observations as the multipart part named 'file'")
    mapping = form.get("mapping")
    if mapping is not None and not isinstance(mapping, str):
        await form.close()
        raise ProblemError.for_field("mapping", "the mapping part must be JSON text, not a file")
    digest = hashlib.sha256()
    size = 0
    upload.file.seek(0)
    while block := upload.file.read(_BLOCK):
        digest.update(block)
        size += len(block)
    upload.file.seek(0)
    return Upload(upload.file, digest.hexdigest(), size, upload.filename, mapping)
