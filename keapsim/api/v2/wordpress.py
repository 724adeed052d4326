"""v2 WordPress opt-in options (``/integrations/wordpress/options``). Shapes:
``WordPressOptInOption``, ``ListWordPressOptInOptionsResponse``,
``AchieveWordPressOptInGoalResult`` (``swagger.yml``)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...store import Invalid
from ...store.wordpress import WordPressOptInOption
from ...wire import jsonify
from ..common import json_body, tenant
from . import blueprint
from .listing import filtered_page
from .shapes import string_id, text

OPTIONS = "/integrations/wordpress/options"


def option_v2(option: WordPressOptInOption) -> dict[str, Any]:
    body = {"key": option.key, "name": option.name}
    return {k: v for k, v in body.items() if v is not None}


@blueprint.get(OPTIONS)
def list_wordpress_options() -> Response:
    body = filtered_page("wordpress_opt_in_options", tenant().wordpress_options.list(), option_v2)
    return jsonify(body)


@blueprint.post(OPTIONS)
def add_wordpress_option() -> tuple[Response, int]:
    body = json_body()
    key = text(body, "key")
    if not key:
        raise Invalid("key is required", field="key")
    option = tenant().wordpress_options.create(key, text(body, "name"))
    return jsonify(option_v2(option)), 201


@blueprint.delete(OPTIONS + "/<option_key>")
def delete_wordpress_option(option_key: str) -> tuple[str, int]:
    tenant().wordpress_options.delete_key(option_key)
    return "", 204


@blueprint.post(OPTIONS + "/<option_key>:achieve")
def achieve_wordpress_goal(option_key: str) -> tuple[Response, int]:
    """202 ``{successful}``: the contact achieved the option's goals (``successful`` is
    whether any published campaign has a WordPress goal for the key). The document's example
    contact id is a UUID; keapsim's contact ids are numbers, so anything else is a 400."""
    body = json_body()
    if body.get("contact_id") is None:
        raise Invalid("contact_id is required", field="contact_id")
    contact_id = string_id(body["contact_id"], "contact_id")
    achieved = tenant().wordpress_options.achieve(option_key, contact_id)
    return jsonify(successful=achieved > 0), 202
