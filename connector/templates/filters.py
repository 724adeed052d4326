"""The filters a flow may use: Jinja2's bounded built-ins, Liquid's names, and the connector's
own, each guarded by the limits."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from jinja2 import ChainableUndefined

from connector.templates.limits import (
    bounded,
    check_size,
    check_size_estimate,
    text_length,
    tick,
)


def _join_nonempty(values: Any, sep: str = ", ") -> str:
    """Join the non-empty items: ``lead.touchpoints | join_nonempty(' > ')``."""
    if values is None or isinstance(values, ChainableUndefined):
        return ""
    if isinstance(values, str):
        return values
    items = [str(v) for v in values if v not in (None, "")]
    check_size_estimate("", sum(map(len, items)) + len(sep) * len(items))
    return sep.join(items)


def _datefmt(value: Any, fmt: str = "%Y-%m-%d") -> str:
    if isinstance(value, datetime):
        return value.strftime(fmt)
    return "" if value is None else str(value)


def _guarded_join(join: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(join)
    def guarded(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
        if isinstance(value, Collection) and not isinstance(value, str):
            check_size(value)
            total: int = sum(text_length(v) if isinstance(v, str) else 24 for v in value)
            check_size_estimate("", total + len(str(d)) * len(value))
        return join(eval_ctx, value, d, attribute)

    return guarded


def _guarded_replace(replace: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(replace)
    def guarded(eval_ctx: Any, s: Any, old: Any, new: Any, count: int | None = None) -> str:
        text, old_s, new_s = str(s), str(old), str(new)
        hits = text.count(old_s) if old_s else len(text) + 1
        check_size_estimate("", len(text) + hits * max(len(new_s) - len(old_s), 0))
        return replace(eval_ctx, s, old, new, count)

    return guarded


def _append(value: Any, suffix: Any) -> str:
    return f"{'' if value is None else value}{suffix}"


def _prepend(value: Any, prefix: Any) -> str:
    return f"{prefix}{'' if value is None else value}"


def _concat(parts: list[Any]) -> str:
    """``a ~ b``: the length is known before joining."""
    texts = [str(p) for p in parts]
    check_size_estimate("", sum(map(len, texts)))
    return "".join(texts)


#: Jinja2 built-in filters a flow may use (those that can grow a value without bound, such as
#: center, indent, wordwrap, format, batch, slice and pprint, are left out).
_BUILTIN_FILTERS = (
    "abs capitalize count d default dictsort e escape first float forceescape int items join "
    "last length list lower map max min reject rejectattr replace reverse round safe select "
    "selectattr sort string striptags sum title tojson trim truncate unique upper urlencode "
    "wordcount"
).split()


def _guard_filter(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Check the deadline before and the result's size after any filter."""

    @functools.wraps(fn)  # keeps jinja_pass_arg (pass_context and friends)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        tick()
        return check_size(fn(*args, **kwargs))

    return guarded


def flow_filters(builtin: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """The filters of the flow environment, from Jinja2's ``builtin`` ones, each guarded."""
    filters = {name: builtin[name] for name in _BUILTIN_FILTERS}
    filters["join"] = _guarded_join(builtin["join"])
    filters["replace"] = _guarded_replace(builtin["replace"])
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
        "_bounded": bounded,
    }
    filters.update(extra)
    return {name: _guard_filter(fn) for name, fn in filters.items()}
