"""`/docs` works offline: the page names only the app's own URLs, and each of them is served."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx

_CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".json": "application/json"}


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


async def docs_references(client: httpx.AsyncClient) -> list[str]:
    """Every URL the docs page loads (scripts, styles, icon, the OpenAPI document), each checked to
    be the app's own (a path, no host) and served with the content type of its kind."""
    page = await client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), page.text
    references = _References()
    references.feed(page.text)
    urls = references.urls + re.findall(r"""\burl: *['"]([^'"]+)['"]""", page.text)
    assert not re.search(r"https?://", page.text), "the page names an external URL"
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"{url} is not the app's own"
        answer = await client.get(url)
        assert answer.status_code == 200, f"{url}: {answer.status_code}"
        expected = _CONTENT_TYPES[url[url.rindex("."):]]
        assert answer.headers["content-type"].split(";")[0] == expected, f"{url}: {answer.headers['content-type']}"
        if expected == "text/css":
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", answer.text), f"{url} loads an external resource"
    return urls
