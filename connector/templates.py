"""Flow templates: Jinja2 in a sandbox with resource limits, and the guide's snippets translated.

One template language: Jinja2 (``{{ lead.x }}``, ``{% if %}``, ``| filter(args)``), run in
Jinja2's ``SandboxedEnvironment``. Snippets written for the LeadConduit guide are translated
when the flow loads, and the flow's load notes say so:

* Handlebars blocks: ``{{#if c}}a{{else}}b{{/if}}`` -> ``{% if c %}a{% else %}b{% endif %}``
  (also ``#unless`` and ``#each``, whose item is ``this``);
* Liquid filter arguments: ``| join: ' > '`` -> ``| join(' > ')``; Liquid's ``date``,
  ``upcase``, ``downcase``, ``strip``, ``size``, ``append`` and ``prepend`` filters exist too;
* ``{{now}}`` needs no translation: ``now`` prints as ISO 8601 (``2026-05-04T09:30:00+00:00``).

Resource limits (``docs/connector/templates.md``): every value a template makes (a filter's
result, ``*``, ``**``, ``+``, ``~``, a loop's list) is checked *before* it is made, where its
size can be computed, and after otherwise: at most :data:`MAX_TEXT` characters or
:data:`MAX_ITEMS` items, integers of at most :data:`MAX_INT_BITS` bits, :data:`MAX_OUTPUT`
characters of output and :data:`MAX_LOOP` loop iterations per template, and all templates of
one lead share :data:`TIME_PER_LEAD` seconds. Macros, ``call`` blocks, includes, imports,
``namespace()``, ``range()`` and method calls other than a few string/date methods are refused
when the flow loads, so nothing can recurse or build a value outside these checks.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sized
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

#: Longest string any template expression may produce (characters).
MAX_TEXT = 100_000
#: Most items a list made by a template may have.
MAX_ITEMS = 10_000
#: Largest integer a template may compute (bits; about 1,200 decimal digits).
MAX_INT_BITS = 4_096
#: Longest output of one template (characters).
MAX_OUTPUT = 100_000
#: Loop iterations of one template, nested loops counted together.
MAX_LOOP = 10_000
#: Wall time all templates of one lead may take together (seconds).
TIME_PER_LEAD = 0.5


class TemplateSyntaxProblem(ValueError):
    """A template does not compile (reported at configuration time)."""


class TemplateRenderError(ValueError):
    """A template failed while rendering a particular lead.

    The message names the template and the kind of problem but never includes lead values.
    """

    def __init__(self, message: str, template: str = "template") -> None:
        super().__init__(message)
        self.template = template


class TemplateLimitExceeded(SecurityError):
    """A template tried to go past one of the resource limits."""


# -- the per-lead budget --------------------------------------------------------------------------
@dataclass
class _Budget:
    deadline: float
    clock: Callable[[], float]
    loops: int = 0
    seconds: float = TIME_PER_LEAD

    def check(self) -> None:
        if self.clock() > self.deadline:
            raise TemplateLimitExceeded(
                f"template time limit: the lead's templates took over {self.seconds:g} s"
            )


_BUDGET: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


@contextlib.contextmanager
def lead_budget(
    seconds: float = TIME_PER_LEAD, clock: Callable[[], float] = time.monotonic
) -> Iterator[None]:
    """All templates rendered inside share one time budget (a lead's templates)."""
    token = _BUDGET.set(_Budget(deadline=clock() + seconds, clock=clock, seconds=seconds))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _tick() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.check()


@dataclass
class _LoopCounter:
    count: int = 0
    seen: list[int] = field(default_factory=list)


_LOOPS: ContextVar[_LoopCounter | None] = ContextVar("template_loops", default=None)


# -- size checks ----------------------------------------------------------------------------------
def _check_size(value: Any) -> Any:
    """Refuse a value past the limits (after it was made: only for bounded operations)."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise TemplateLimitExceeded(f"template limit: text longer than {MAX_TEXT} characters")
    elif isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise TemplateLimitExceeded(f"template limit: integer over {MAX_INT_BITS} bits")
    elif isinstance(value, Sized) and not isinstance(value, Mapping):
        if len(value) > MAX_ITEMS:
            raise TemplateLimitExceeded(f"template limit: more than {MAX_ITEMS} items")
    return value


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _predict_binop(op: str, left: Any, right: Any) -> None:
    """Refuse ``*``, ``**``, ``+`` and ``%`` whose result would be too big, before computing."""
    if op == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int):
                _check_size_estimate(seq, len(seq) * max(times, 0))
        if _is_int(left) and _is_int(right) and _bits(left) + _bits(right) > MAX_INT_BITS:
            raise TemplateLimitExceeded(f"template limit: integer over {MAX_INT_BITS} bits")
    elif op == "**":
        if _is_int(left) and _is_int(right) and abs(left) > 1 and right > 0:
            if _bits(left) * right > MAX_INT_BITS:
                raise TemplateLimitExceeded(f"template limit: integer over {MAX_INT_BITS} bits")
    elif op == "+" and isinstance(left, str | list | tuple):
        _check_size_estimate(left, _length(left) + _length(right))
    elif op == "%" and isinstance(left, str):
        # printf-style formatting can pad to any width ('%2000000000d'): not offered.
        raise SecurityError("string formatting with % is not allowed in flow templates")


def _check_size_estimate(kind: Any, size: int) -> None:
    limit, unit = (MAX_TEXT, "characters") if isinstance(kind, str) else (MAX_ITEMS, "items")
    if size > limit:
        raise TemplateLimitExceeded(f"template limit: more than {limit} {unit}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bits(value: int) -> int:
    return max(abs(value).bit_length(), 1)


# -- filters --------------------------------------------------------------------------------------
def _join_nonempty(values: Any, sep: str = ", ") -> str:
    """Join the non-empty items: ``lead.touchpoints | join_nonempty(' > ')``."""
    if values is None or isinstance(values, ChainableUndefined):
        return ""
    if isinstance(values, str):
        return values
    items = [str(v) for v in values if v not in (None, "")]
    _check_size_estimate("", sum(map(len, items)) + len(sep) * len(items))
    return sep.join(items)


def _datefmt(value: Any, fmt: str = "%Y-%m-%d") -> str:
    if isinstance(value, datetime):
        return value.strftime(fmt)
    return "" if value is None else str(value)


def _guarded_join(join: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(join)
    def guarded(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
        if isinstance(value, Collection) and not isinstance(value, str):
            _check_size(value)
            total: int = sum(_length(v) if isinstance(v, str) else 24 for v in value)
            _check_size_estimate("", total + len(str(d)) * len(value))
        return join(eval_ctx, value, d, attribute)

    return guarded


def _guarded_replace(replace: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(replace)
    def guarded(eval_ctx: Any, s: Any, old: Any, new: Any, count: int | None = None) -> str:
        text, old_s, new_s = str(s), str(old), str(new)
        hits = text.count(old_s) if old_s else len(text) + 1
        _check_size_estimate("", len(text) + hits * max(len(new_s) - len(old_s), 0))
        return replace(eval_ctx, s, old, new, count)

    return guarded


def _append(value: Any, suffix: Any) -> str:
    return f"{'' if value is None else value}{suffix}"


def _prepend(value: Any, prefix: Any) -> str:
    return f"{prefix}{'' if value is None else value}"


def _concat(parts: list[Any]) -> str:
    """``a ~ b``: the length is known before joining."""
    texts = [str(p) for p in parts]
    _check_size_estimate("", sum(map(len, texts)))
    return "".join(texts)


def _bounded(iterable: Any) -> Iterator[Any]:
    """A loop's iterable: at most MAX_ITEMS items, MAX_LOOP iterations per template."""
    if isinstance(iterable, Sized):
        _check_size(iterable)
    counter = _LOOPS.get()
    for n, item in enumerate(iterable):
        if n >= MAX_ITEMS:
            raise TemplateLimitExceeded(f"template limit: more than {MAX_ITEMS} items")
        if counter is not None:
            counter.count += 1
            if counter.count > MAX_LOOP:
                raise TemplateLimitExceeded(f"template limit: over {MAX_LOOP} loop iterations")
        _tick()
        yield item


#: Jinja2 built-in filters a flow may use (those that can grow a value without bound, such as
#: center, indent, wordwrap, format, batch, slice and pprint, are left out).
_BUILTIN_FILTERS = (
    "abs capitalize count d default dictsort e escape first float forceescape int items join "
    "last length list lower map max min reject rejectattr replace reverse round safe select "
    "selectattr sort string striptags sum title tojson trim truncate unique upper urlencode "
    "wordcount"
).split()

#: Methods a template may call: all return at most a bounded multiple of their input.
SAFE_METHODS = frozenset(
    {"strftime", "isoformat", "lower", "upper", "strip", "title", "capitalize", "startswith"}
    | {"endswith", "lstrip", "rstrip", "date", "timestamp"}
)


def _guard_filter(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Check the deadline before and the result's size after any filter."""

    @functools.wraps(fn)  # keeps jinja_pass_arg (pass_context and friends)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _tick()
        return _check_size(fn(*args, **kwargs))

    return guarded


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
        _tick()
        _predict_binop(operator_, left, right)
        return _check_size(super().call_binop(context, operator_, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _tick()
        return _check_size(super().call(__context, __obj, *args, **kwargs))


class _MissingField(ChainableUndefined):
    """A missing lead field: renders empty, chains, and ``<``/``<=``/``>``/``>=`` are false."""

    __slots__ = ()

    def _false(self, other: Any) -> bool:
        return False

    # jinja2 types these as always failing; a missing field compares false instead.
    __lt__ = __le__ = __gt__ = __ge__ = _false  # type: ignore[assignment]


class _Now(datetime):
    """``now``: a UTC datetime that prints as ISO 8601 (what ``{{now}}`` means in the guide)."""

    def __str__(self) -> str:
        return self.isoformat(timespec="seconds")


def _build_env() -> SandboxedEnvironment:
    env = _LoudSandbox(undefined=_MissingField, autoescape=False)
    env.globals.clear()  # range, lipsum, dict, cycler, joiner, namespace: none is needed
    builtin = dict(env.filters)
    env.filters.clear()
    for name in _BUILTIN_FILTERS:
        env.filters[name] = builtin[name]
    env.filters["join"] = _guarded_join(builtin["join"])
    env.filters["replace"] = _guarded_replace(builtin["replace"])
    extra: dict[str, Callable[..., Any]] = {
        "join_nonempty": _join_nonempty,
        "datefmt": _datefmt,
        # Liquid's names, so the guide's snippets work as written
        "date": _datefmt,
        "upcase": builtin["upper"],
        "downcase": builtin["lower"],
        "strip": builtin["trim"],
        "size": builtin["length"],
        "append": _append,
        "prepend": _prepend,
        "_concat": _concat,
        "_bounded": _bounded,
    }
    env.filters.update(extra)
    env.filters = {name: _guard_filter(fn) for name, fn in env.filters.items()}
    return env


_ENV = _build_env()


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


def _harden(tree: nodes.Template) -> nodes.Template:
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


def _rewrite_concat(tree: nodes.Template) -> nodes.Template:
    from jinja2.visitor import NodeTransformer

    class ConcatToFilter(NodeTransformer):
        def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
            self.generic_visit(node)
            return nodes.Filter(nodes.List(node.nodes), "_concat", [], [], None, None)

    return ConcatToFilter().visit(tree)


# -- the guide's snippets -------------------------------------------------------------------------
_HB_OPEN = re.compile(r"\{\{\s*#\s*(if|unless|each)\s+(.+?)\s*\}\}", re.DOTALL)
_HB_ELSE = re.compile(r"\{\{\s*else\s*\}\}")
_HB_CLOSE = re.compile(r"\{\{\s*/\s*(if|unless|each)\s*\}\}")
_EXPRESSION = re.compile(r"(\{\{|\{%)(.*?)(\}\}|%\})", re.DOTALL)
_LIQUID_ARGS = re.compile(r"^\s*([A-Za-z_]\w*)\s*:\s*(.+?)\s*$", re.DOTALL)


def translate(source: str) -> tuple[str, list[str]]:
    """The guide's Handlebars blocks and Liquid filter arguments in Jinja2; what was changed."""
    notes: list[str] = []
    text, handlebars = _translate_handlebars(source)
    if handlebars:
        notes.append("Handlebars blocks ({{#if ...}}...{{/if}}) translated to {% if ... %}")
    translated = _EXPRESSION.sub(_liquid_expression, text)
    if translated != text:
        notes.append("Liquid filter arguments (| join: ' > ') translated to | join(' > ')")
    return translated, notes


def _translate_handlebars(source: str) -> tuple[str, bool]:
    def open_block(m: re.Match[str]) -> str:
        kind, expr = m.group(1), m.group(2)
        if kind == "if":
            return f"{{% if {expr} %}}"
        if kind == "unless":
            return f"{{% if not ({expr}) %}}"
        return f"{{% for this in {expr} %}}"

    text, opened = _HB_OPEN.subn(open_block, source)
    if not opened:
        return source, False
    text = _HB_ELSE.sub("{% else %}", text)
    text = _HB_CLOSE.sub(lambda m: "{% endfor %}" if m.group(1) == "each" else "{% endif %}", text)
    return text, True


def _liquid_expression(m: re.Match[str]) -> str:
    start, body, end = m.groups()
    parts = _split_pipes(body)
    if len(parts) == 1:
        return m.group(0)
    out = [parts[0]]
    for part in parts[1:]:
        args = _LIQUID_ARGS.match(part)
        out.append(f" {args.group(1)}({args.group(2)}) " if args else part)
    return start + "|".join(out) + end


def _split_pipes(body: str) -> list[str]:
    """Split an expression at ``|`` outside quotes and brackets."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for ch in body:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


# -- compile and render ---------------------------------------------------------------------------
def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


@lru_cache(maxsize=512)
def _compile(source: str):  # a jinja2.Template
    translated, _ = translate(source)
    tree = _rewrite_concat(_harden(_ENV.parse(translated)))
    return _ENV.template_class.from_code(_ENV, _ENV.compile(tree), _ENV.make_globals(None), None)


def check_template(source: str) -> list[str]:
    """Compile a template (``TemplateSyntaxProblem`` with a readable message if it does not);
    the notes on what was translated from the guide's syntax."""
    try:
        _compile(source)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise TemplateSyntaxProblem(f"template does not compile{where}: {exc.message}") from None
    _refuse_constant_blowups(source)
    return translate(source)[1]


_SIZED_OPERATORS = {nodes.Mul: "*", nodes.Pow: "**", nodes.Add: "+"}


def _refuse_constant_blowups(source: str) -> None:
    """An operation on two literals (``'a' * 2000000000``, ``2 ** 99999999``) is over the
    limits whatever the lead holds: refused when the flow loads, not at the first lead."""
    tree = _ENV.parse(translate(source)[0])
    for kind, op in _SIZED_OPERATORS.items():
        for node in tree.find_all(kind):
            if isinstance(node.left, nodes.Const) and isinstance(node.right, nodes.Const):
                try:
                    _predict_binop(op, node.left.value, node.right.value)
                except TemplateLimitExceeded as exc:
                    raise TemplateSyntaxProblem(f"line {node.lineno}: {exc}") from None


def render(source: str, lead: Mapping[str, Any], *, name: str = "template") -> str:
    """Render ``source`` with ``lead`` and ``now`` (timezone-aware UTC) in scope."""
    if not is_template(source):
        return source
    present = {
        k: v for k, v in lead.items() if not (v is None or (isinstance(v, str) and not v.strip()))
    }
    token = _LOOPS.set(_LoopCounter())
    try:
        return _render(_compile(source), present).strip()
    except TemplateError as exc:
        # Jinja messages describe the template ("'int' object has no attribute 'x'"), not values.
        raise TemplateRenderError(f"{name}: {type(exc).__name__}: {exc.message}", name) from None
    except Exception as exc:  # any failure inside a user template
        # Python errors (ValueError: invalid literal ... 'value') may quote lead data: type only.
        raise TemplateRenderError(f"{name}: {type(exc).__name__} while rendering", name) from None
    finally:
        _LOOPS.reset(token)


def _render(template: Any, lead: Mapping[str, Any]) -> str:
    now = _Now.now(UTC)
    out: list[str] = []
    size = 0
    for chunk in template.generate(lead=lead, now=now):
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise TemplateLimitExceeded(f"template limit: output over {MAX_OUTPUT} characters")
        _tick()
        out.append(chunk)
    return "".join(out)
