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

The package: ``limits.py`` (the limits and the per-lead budget), ``filters.py`` (the filters a
flow may use), ``sandbox.py`` (the environment and the syntax-tree checks), ``guide.py`` (the
guide's snippets translated) and ``rendering.py`` (compile, check and render).
"""

from connector.templates.guide import translate
from connector.templates.limits import (
    MAX_INT_BITS,
    MAX_ITEMS,
    MAX_LOOP,
    MAX_OUTPUT,
    MAX_TEXT,
    TIME_PER_LEAD,
    TemplateLimitExceeded,
    lead_budget,
)
from connector.templates.rendering import (
    TemplateRenderError,
    TemplateSyntaxProblem,
    check_template,
    is_template,
    render,
)
from connector.templates.sandbox import SAFE_METHODS

__all__ = [
    "MAX_INT_BITS",
    "MAX_ITEMS",
    "MAX_LOOP",
    "MAX_OUTPUT",
    "MAX_TEXT",
    "SAFE_METHODS",
    "TIME_PER_LEAD",
    "TemplateLimitExceeded",
    "TemplateRenderError",
    "TemplateSyntaxProblem",
    "check_template",
    "is_template",
    "lead_budget",
    "render",
    "translate",
]
