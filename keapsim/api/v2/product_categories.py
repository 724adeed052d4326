"""v2 product-category assignment (``swagger.yml``): ``:assignProducts`` (the full list of a
category's products) and ``assignedProducts`` (each category with its product ids). The
category CRUD routes are declared (``keapsim/api/resources.py``: ``PRODUCT_CATEGORIES``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...store import Invalid
from ...store.product_categories import ProductCategory
from ...wire import jsonify
from ..common import json_body, path_id, tenant
from . import blueprint
from .filters import EQ, Clause, id_set
from .listing import filtered_page
from .products import uploaded_file
from .shapes import string_ids

KIND = "ProductCategory"
FILTERS = {"product_ids": EQ, "product_category_ids": EQ}


def assigned_v2(category: ProductCategory, product_ids: list[int]) -> dict[str, Any]:
    """``AssignedProducts``."""
    return {"product_category_id": str(category.id), "product_ids": [str(i) for i in product_ids]}


@blueprint.post("/productCategories/<category_id>:assignProducts")
def assign_products_v2(category_id: str) -> tuple[str, int]:
    number = path_id(category_id, KIND)
    body = json_body()
    if body.get("product_ids") is None:
        raise Invalid("product_ids is required", field="product_ids")
    tenant().products.assign_categories(number, string_ids(body["product_ids"], "product_ids"))
    return "", 204


def _clause_test(clause: Clause) -> Callable[[tuple[ProductCategory, list[int]]], bool]:
    ids = id_set(clause.value, clause.field)
    if clause.field == "product_category_ids":
        return lambda pair: pair[0].id in ids
    return lambda pair: bool(ids.intersection(pair[1]))


@blueprint.get("/productCategories/assignedProducts")
def list_assigned_products_v2() -> Response:
    """Every category with at least one product (keapsim's choice: the document does not say
    whether empty categories are listed)."""
    store = tenant()
    pairs = [
        (category, [p.id for p in store.products.in_category(category.id)])
        for category in store.product_categories.list()
    ]
    orders: dict[str, Callable[[tuple[ProductCategory, list[int]]], Any]] = {
        "product_category_id": lambda pair: pair[0].id
    }
    body = filtered_page(
        "assigned_product_categories",
        [pair for pair in pairs if pair[1]],
        lambda pair: assigned_v2(*pair),
        filters=FILTERS,
        test=_clause_test,
        orders=orders,
        default_order="product_category_id",
    )
    return jsonify(body)


@blueprint.post("/productCategories/<category_id>/images")
def create_category_image_v2(category_id: str) -> tuple[str, int]:
    number = path_id(category_id, KIND)
    name, data = uploaded_file()
    tenant().product_categories.set_image(number, name, data)
    return "", 201


@blueprint.delete("/productCategories/<category_id>/images")
def delete_category_image_v2(category_id: str) -> tuple[str, int]:
    tenant().product_categories.clear_image(path_id(category_id, KIND))
    return "", 204
