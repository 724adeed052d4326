"""``GET /``: a start page linking the API bases, the OpenAPI documents, the dashboard and the
docs, so that a newcomer who opens the server's address finds the way (issue 11).

Browsers get a small HTML page; every other client (curl sends ``*/*``) gets the same links as
JSON. The page is keapsim's own: Keap has nothing at the API host's root.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, Response, jsonify, render_template_string, request

from .config import DOCS_HINT

blueprint = Blueprint("home", __name__)

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>keapsim</title>
  <link rel="icon" href="data:,">
  <style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}
  code{background:#f3f3f3;padding:0 .2em}li{margin:.3em 0}</style>
</head>
<body>
  <h1>keapsim {{ info.version }}</h1>
  <p>{{ info.description }}</p>
  <h2>Keap's API</h2>
  <ul>
    <li>REST v1: <code>{{ info.api.v1 }}</code>
      (<a href="{{ info.openapi.v1 }}">OpenAPI document</a>)</li>
    <li>REST v2: <code>{{ info.api.v2 }}</code>
      (<a href="{{ info.openapi.v2 }}">OpenAPI document</a>)</li>
    <li>OAuth2: <code>{{ info.oauth.authorize }}</code>, <code>{{ info.oauth.token }}</code></li>
  </ul>
  <p>API calls need a credential: <code>X-Keap-API-Key</code> or
    <code>Authorization: Bearer</code>, as <code>keapsim serve</code> printed them.</p>
  <h2>keapsim's control plane</h2>
  <ul>
    <li><a href="{{ info.dashboard }}">Dashboard</a>: clock, tenants, contacts, fault rules,
      request journal (from this machine, or with the admin token)</li>
    <li>Admin API: <code>{{ info.admin }}</code></li>
  </ul>
  <h2>Documentation</h2>
  <p>{{ info.docs }}</p>
</body>
</html>
"""


def _version() -> str:
    try:
        return version("keapsim")
    except PackageNotFoundError:
        return "0+unknown"


def start_links(root: str) -> dict[str, object]:
    """The start page's content, with absolute URLs under ``root`` (no trailing slash)."""
    rest = f"{root}/crm/rest"
    return {
        "name": "keapsim",
        "version": _version(),
        "description": "An offline, stateful twin of the Keap CRM REST API (v1 and v2).",
        "api": {"v1": f"{rest}/v1", "v2": f"{rest}/v2"},
        "openapi": {"v1": f"{rest}/v1/openapi.json", "v2": f"{rest}/v2/openapi.json"},
        "oauth": {"authorize": f"{root}/app/oauth/authorize", "token": f"{root}/token"},
        "admin": f"{root}/_keapsim",
        "dashboard": f"{root}/_keapsim/ui",
        "docs": DOCS_HINT,
    }


@blueprint.get("/")
def start_page() -> Response:
    info = start_links(request.host_url.rstrip("/"))
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return Response(render_template_string(PAGE, info=info), mimetype="text/html")
    return jsonify(info)
