"""The sandboxed Jinja2 environment of flow templates, and the syntax-tree checks and rewrites
that keep every template inside the limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import ChainableUndefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from connector.templates.filters import flow_filters
from connector.templates.limits import check_size, predict_binop, tick

#: Methods a template may call: all return at most a bounded multiple of their input.
SAFE_METHODS = frozenset(
    {"strftime", "isoformat", "lower", "upper", "strip", "title", "capitalize", "startswith"}
    | {"endswith", "lstrip", "rstrip", "date", "timestamp"}
)


# -- the environment ------------------------------------------------------------------------------
class _LoudSandbox(SandboxedEnvironment):
    """The sandbox with limits; blocked attribute access raises instead of rendering empty.

    With a lenient ``undefined`` the stock sandbox would quietly render ``{{ x.__class__ }}`` as
    nothing; a flow author should hear that the template tried something forbidden.
    """

    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/", "-"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
        )

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        tick()
        predict_binop(operator_, left, right)
        return check_size(super().call_binop(context, operator_, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        tick()
        return check_size(super().call(__context, __obj, *args, **kwargs))


class _MissingField(ChainableUndefined):
    """A missing lead field: renders empty, chains, and ``<``/``<=``/``>``/``>=`` are false."""

    __slots__ = ()

    def _false(self, other: Any) -> bool:
        return False

    # jinja2 types these as always failing; a missing field compares false instead.
    __lt__ = __le__ = __gt__ = __ge__ = _false  # type: ignore[assignment]


class Now(datetime):
    """``now``: a UTC datetime that prints as ISO 8601 (what ``{{now}}`` means in the guide)."""

    def __str__(self) -> str:
        return self.isoformat(timespec="seconds")


def _build_env() -> SandboxedEnvironment:
    env = _LoudSandbox(undefined=_MissingField, autoescape=False)
    env.globals.clear()  # range, lipsum, dict, cycler, joiner, namespace: none is needed
    env.filters = flow_filters(dict(env.filters))
    return env


ENV = _build_env()


# -- checking and rewriting the syntax tree -------------------------------------------------------
_REFUSED = (
    nodes.Macro,
    nodes.CallBlock,
    nodes.FilterBlock,
    nodes.Include,
    nodes.Import,
    nodes.FromImport,
    nodes.Extends,
    nodes.Block,
    nodes.NSRef,
    nodes.EvalContextModifier,
)


def harden(tree: nodes.Template) -> nodes.Template:
    """Refuse constructs outside the limits; route loops and ``~`` through the checks."""
    for node in tree.find_all((nodes.Node,)):
        if isinstance(node, _REFUSED):
            raise SecurityError(f"{type(node).__name__.lower()} is not allowed in flow templates")
        if isinstance(node, nodes.Call):
            _check_call(node)
        if isinstance(node, nodes.For):
            node.iter = nodes.Filter(node.iter, "_bounded", [], [], None, None)
            if node.recursive:
                raise SecurityError("recursive loops are not allowed in flow templates")
    return tree


def _check_call(node: nodes.Call) -> None:
    target = node.node
    if isinstance(target, nodes.Getattr) and target.attr in SAFE_METHODS:
        if node.dyn_args is None and node.dyn_kwargs is None:
            return
    what = f"method {target.attr!r}" if isinstance(target, nodes.Getattr) else "this call"
    raise SecurityError(f"{what} is not allowed in flow templates")


def rewrite_concat(tree: nodes.Template) -> nodes.Template:
    from jinja2.visitor import NodeTransformer

    class ConcatToFilter(NodeTransformer):
        def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
            self.generic_visit(node)
            return nodes.Filter(nodes.List(node.nodes), "_concat", [], [], None, None)

    return ConcatToFilter().visit(tree)
