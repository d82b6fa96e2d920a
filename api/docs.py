"""/docs (Swagger UI) and /redoc (ReDoc), served offline from the fastapi-offline package's assets.

Hospital networks often have no internet, and a CDN would learn who reads the docs, so every
file the two pages load comes from this server.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

ASSETS_PATH = "/docs-assets"

# The files fastapi-offline ships (Swagger UI's bundle and CSS, ReDoc's standalone bundle, the
# FastAPI favicon), by the name they are served under, with their media type.
_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
# ReDoc's side menu always shows Redocly's logo from Redocly's CDN (a fixed https URL in the
# bundle, no option turns it off). Offline the image fails and hides itself, but the browser
# still tries, so the bundle is served with that URL replaced by an empty image.
_REDOCLY_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
_NO_IMAGE = b"data:,"
# Swagger UI's online validator (a badge loaded from validator.swagger.io) is skipped only for
# localhost names; FastAPI's BaseLayout shows no badge today, and null keeps it off for good.
_SWAGGER_UI_PARAMETERS = {"validatorUrl": None}


def install_docs(app: FastAPI, *, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Serve Swagger UI at `docs_url` and ReDoc at `redoc_url` from local assets.

    `app` must have been created with `docs_url=None, redoc_url=None`, so FastAPI's own
    pages, which load from a CDN, are not there too.
    """
    openapi_url = app.openapi_url or "/openapi.json"

    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            oauth2_redirect_url=None,  # the API takes bearer keys, never an OAuth2 login
            swagger_ui_parameters=_SWAGGER_UI_PARAMETERS,
        )

    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )

    app.add_api_route(docs_url, swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route(redoc_url, redoc, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        f"{ASSETS_PATH}/{{name}}", docs_asset, methods=["GET"], include_in_schema=False
    )


def docs_asset(name: str) -> Response:
    """One of the docs pages' files.

    Raises:
        HTTPException: 404, for a name that is not one of them.
    """
    media_type = _ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail=f"No documentation asset called {name!r}.")
    # The assets change only with the installed package: browsers may keep them for a day.
    return Response(
        _asset_bytes(name), media_type=media_type, headers={"Cache-Control": "max-age=86400"}
    )


@cache
def _asset_bytes(name: str) -> bytes:
    content = (files("fastapi_offline") / "static" / name).read_bytes()
    if name == "redoc.standalone.js":
        content = content.replace(_REDOCLY_LOGO, _NO_IMAGE)
    return content
