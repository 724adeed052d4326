"""How the API adapters declare their routes, and how a request finds its route, without Flask.

Each version package declares its routes on an :class:`ApiRoutes` (``keapsim/api/v1``,
``keapsim/api/v2``), with the decorators a Flask blueprint has (``@blueprint.get(rule)``,
``add_url_rule``, ``before_request``, ``errorhandler``). The routes are only recorded here:

- the simulator answers API requests from these records (``keapsim/app.py``), so serving them
  neither imports Flask nor compiles every route of every resource;
- the routes are grouped by *family*, the first segment of the path after the version's prefix
  (``contacts`` for ``/crm/rest/v1/contacts/<contact_id>/tags``). A family's modules are
  imported, and its routes compiled into a werkzeug map, when a request first names that
  family. The version's ``FAMILIES`` table (``routes.py``) says which modules declare which
  families; ``tests/architecture/test_route_families.py`` keeps it exact;
- the Flask app (admin API, OAuth pages, HEAD/OPTIONS and the answers to unknown paths) is
  built on first use and registers every route as a Flask blueprint (:meth:`as_blueprint`).

Why: starting ``keapsim serve`` compiled 586 routes and imported ~180 modules before its first
answer (issue 18's cold start); a first request now pays for its family only.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, MapAdapter, Rule
from werkzeug.wrappers import Request

if TYPE_CHECKING:
    from flask import Blueprint

View = Callable[..., Any]
F = TypeVar("F", bound=Callable[..., Any])
ErrorHandler = Callable[[Any], Any]


class ApiRoute(NamedTuple):
    rule: str  # the whole path: the version's prefix and the route's rule
    endpoint: str  # "v1.get_contact", as Flask names a blueprint's endpoints
    view: View
    methods: tuple[str, ...]
    owner: str  # the module that declares it (imported to serve its family)


def family_of(path: str) -> str:
    """The family of a path or rule relative to its version's prefix: its first segment."""
    found = _FAMILY.match(path)
    return found.group(1) if found else ""


_FAMILY = re.compile(r"/*([^/:<]*)")


class UnknownFamily(NotFound):
    """A path under the version's prefix whose first segment names no route family: no API
    route can match it (another part of the app may: the OpenAPI documents)."""


class LazyBuilderRule(Rule):
    """A route whose URL builder is compiled when a URL is first built from it.

    werkzeug compiles two builder functions per route as it is added (for ``url_for``), which
    was most of the time a fresh process spent creating the app (about 20 of 28 ms for 113
    routes), and keapsim builds URLs for a handful of admin routes only. Matching requests is
    unaffected. If werkzeug stops calling ``_compile_builder``, this override is simply unused.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        def build_on_first_use(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, "_build_unknown" if append_unknown else "_build", compiled)
            return compiled(*args, **kwargs)

        return build_on_first_use


class QueryArgs(ImmutableMultiDict[str, str]):
    """werkzeug's query (and form) mapping with a ``get`` that looks before it reads.

    werkzeug's ``MultiDict.get`` reads the key and catches the ``BadRequestKeyError`` that an
    absent key raises: building that HTTP exception costs a few µs, and a v1 list reads six to
    nine parameters that are mostly absent (about a tenth of a search by email). Same values,
    defaults and ``type`` conversion."""

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]
        if not dict.__contains__(self, key):
            return default
        return super().get(key, default, type)


class ApiRequest(Request):
    """The request the gateway and the API adapters read (werkzeug's, with :class:`QueryArgs`).
    ``url_rule`` and ``view_args`` are set once a route matched, as Flask's request has them."""

    parameter_storage_class = QueryArgs
    url_rule: Rule | None = None
    view_args: dict[str, Any] | None = None


class ApiRoutes:
    """One API version's routes, declared as on a Flask blueprint and recorded (module doc)."""

    def __init__(
        self,
        name: str,
        url_prefix: str,
        package: str,
        families: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.name = name
        self.url_prefix = url_prefix
        self.path_prefix = url_prefix.rstrip("/") + "/"  # what the paths it answers start with
        self.package = package  # the version's package: FAMILIES name modules within it
        self.families = families  # family -> the modules that declare its routes
        self.routes: list[ApiRoute] = []
        self.views: dict[str, View] = {}
        self.before_request_funcs: list[Callable[[], Any]] = []
        self.error_handlers: dict[type[Exception], ErrorHandler] = {}
        self._maps: dict[str, MapAdapter] = {}
        self._lock = threading.Lock()

    # -- declaring (what the adapter modules call as they are imported) -----------------------
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: View | None = None,
        *,
        methods: Iterable[str] = ("GET",),
        owner: str | None = None,
    ) -> None:
        """Record a route, named and prefixed as Flask's ``Blueprint.add_url_rule`` would.
        ``owner`` is the declaring module when that is not the view's (generated views)."""
        if view_func is None:
            raise ValueError(f"route {rule!r} has no view")
        name = endpoint or view_func.__name__
        if "." in name:
            raise ValueError(f"endpoint {name!r} may not contain a dot")
        qualified = f"{self.name}.{name}"
        known = self.views.get(qualified)
        if known is not None and known is not view_func:
            raise AssertionError(f"endpoint {qualified} is declared by two views")
        prefix = self.url_prefix
        path = "/".join((prefix.rstrip("/"), rule.lstrip("/"))) if rule else prefix
        self.views[qualified] = view_func
        verbs = tuple(method.upper() for method in methods)
        self.routes.append(
            ApiRoute(path, qualified, view_func, verbs, owner or view_func.__module__)
        )

    def route(self, rule: str, **options: Any) -> Callable[[F], F]:
        def register(view: F) -> F:
            self.add_url_rule(rule, options.pop("endpoint", None), view, **options)
            return view

        return register

    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self.route(rule, methods=("GET",), **options)

    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self.route(rule, methods=("POST",), **options)

    def put(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self.route(rule, methods=("PUT",), **options)

    def patch(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self.route(rule, methods=("PATCH",), **options)

    def delete(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self.route(rule, methods=("DELETE",), **options)

    def before_request(self, func: F) -> F:
        self.before_request_funcs.append(func)
        return func

    def errorhandler(self, error: type[Exception]) -> Callable[[F], F]:
        def register(handler: F) -> F:
            self.error_handlers[error] = handler
            return handler

        return register

    # -- answering ----------------------------------------------------------------------------
    def match(self, path: str, method: str) -> tuple[Rule, Mapping[str, Any]]:
        """The rule ``path`` matches and its arguments (werkzeug's ``MapAdapter.match``: raises
        werkzeug's ``NotFound``, ``MethodNotAllowed`` or ``RequestRedirect``; a path whose
        family no table names raises :class:`UnknownFamily`, a ``NotFound``)."""
        family = family_of(path[len(self.url_prefix) :])
        routes = self._maps.get(family)
        if routes is None:
            if family not in self.families:
                # Not compiled (nor kept: a client's made-up paths must not grow the cache).
                raise UnknownFamily()
            routes = self._compile(family)
        return routes.match(path, method, return_rule=True)

    def handler_for(self, error: BaseException) -> ErrorHandler | None:
        """The error handler declared for ``error``'s class or its nearest base (as Flask picks
        a blueprint's handler for an exception without a status code)."""
        for cls in type(error).__mro__:
            handler = self.error_handlers.get(cls)
            if handler is not None:
                return handler
        return None

    def _compile(self, family: str) -> MapAdapter:
        """The family's routes as a werkzeug map bound for matching paths (no host or scheme
        is matched), its modules imported first."""
        with self._lock:
            if family not in self._maps:
                for module in self.families.get(family, ()):
                    importlib.import_module(f"{self.package}.{module}")
                rules = [
                    LazyBuilderRule(route.rule, endpoint=route.endpoint, methods=route.methods)
                    for route in self.routes
                    if family_of(route.rule[len(self.url_prefix) :]) == family
                ]
                # Keap's links put a slash before the query (keap-facts.md §1.2): a route
                # answers with or without a trailing slash, as the Flask app's map does.
                self._maps[family] = Map(rules, strict_slashes=False).bind("keapsim.local")
            return self._maps[family]

    def load_all(self) -> None:
        """Import every module of the version (the Flask app and the coverage report list
        every route)."""
        for modules in self.families.values():
            for module in modules:
                importlib.import_module(f"{self.package}.{module}")

    def as_blueprint(self) -> Blueprint:
        """Every route of the version as a Flask blueprint (for the Flask app)."""
        from flask import Blueprint

        self.load_all()
        blueprint = Blueprint(self.name, self.package, url_prefix=self.url_prefix)
        for route in self.routes:
            rule = route.rule[len(self.url_prefix) :]
            name = route.endpoint.partition(".")[2]
            blueprint.add_url_rule(rule, name, route.view, methods=list(route.methods))
        for before in self.before_request_funcs:
            blueprint.before_request(before)
        for error, handler in self.error_handlers.items():
            blueprint.register_error_handler(error, handler)
        return blueprint
