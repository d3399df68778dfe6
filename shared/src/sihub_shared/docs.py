"""`/docs`: Swagger UI served by the app itself, so that it works on a network without internet access
(FastAPI's own page loads Swagger UI from a public CDN). The files are the copy the fastapi-offline
package ships (Swagger UI 5, which reads OpenAPI 3.1; swagger-ui-bundle's copy is 4.x, which cannot).
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"
_ASSETS = files("fastapi_offline") / "static"


def serve_docs(app: FastAPI, *, openapi_url: str, title: str) -> None:
    app.mount(ASSETS_URL, StaticFiles(directory=str(_ASSETS)), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            # Swagger UI would otherwise send the document to validator.swagger.io for its badge.
            swagger_ui_parameters={"validatorUrl": None},
        )
