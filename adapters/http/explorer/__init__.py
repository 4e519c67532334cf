"""The API explorer: Swagger UI over `/schema/openapi.json`, served from the files the
`swagger-ui-py` package ships (Swagger UI 5, which reads OpenAPI 3.1), so that no
request leaves the machine (no CDN).

`GET /schema/explorer` is the page; its scripts and styles come from
`/schema/explorer/assets/{name}`, and the one line that starts Swagger UI is a file of
ours (`start.js`), so the page runs under a Content-Security-Policy without inline
scripts.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from litestar import Response, get
from litestar.exceptions import NotFoundException

HERE = Path(__file__).parent
SWAGGER_UI = Path(str(files("swagger_ui") / "static"))
ASSETS = {  # name: (where, content type)
    "swagger-ui.css": (SWAGGER_UI / "swagger-ui.css", "text/css"),
    "swagger-ui-bundle.js": (SWAGGER_UI / "swagger-ui-bundle.js", "text/javascript"),
    "start.js": (HERE / "start.js", "text/javascript"),
    "favicon-32x32.png": (SWAGGER_UI / "favicon-32x32.png", "image/png"),
}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Learning Journey API</title>
<link rel="stylesheet" href="/schema/explorer/assets/swagger-ui.css">
<link rel="icon" href="/schema/explorer/assets/favicon-32x32.png">
</head>
<body>
<div id="explorer"></div>
<script src="/schema/explorer/assets/swagger-ui-bundle.js"></script>
<script src="/schema/explorer/assets/start.js"></script>
</body>
</html>
"""


@get("/schema/explorer", include_in_schema=False, sync_to_thread=False)
def explorer() -> Response:
    """The explorer page (anyone may read the API's description)."""
    return Response(PAGE, media_type="text/html",
                    headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})


@get("/schema/explorer/assets/{name:str}", include_in_schema=False, sync_to_thread=True)
def explorer_asset(name: str) -> Response:
    """One of the explorer's files, by name from a fixed list."""
    if name not in ASSETS:
        raise NotFoundException()
    path, content_type = ASSETS[name]
    return Response(path.read_bytes(), media_type=content_type,
                    headers={"Cache-Control": "public, max-age=86400"})


ROUTES = [explorer, explorer_asset]
