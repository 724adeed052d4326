"""The code blocks of the README and the documentation site, with their test directives.

A directive is an HTML comment right before a fenced block (invisible on the rendered page):

- ``<!-- docs-test: skip REASON -->``: a Python block that is not run; the reason is required.
- ``<!-- docs-test: continue -->``: a Python block that runs after the page's previous Python
  block, in its namespace (a walkthrough split by prose).
- ``<!-- docs-test: setup ... -->``: code (Python, or bash for a shell block) run just before the
  block, in the same namespace or shell; the rest of the comment is the code.
- ``<!-- docs-test: shell -->``: a bash block run against a real ``keapsim serve``; options after
  it: ``expect TEXT`` (the output must contain TEXT; HTTP errors are then allowed), ``exit N``
  (the expected exit status, default 0), ``serve`` (this block is the ``keapsim serve`` command
  the page's server is started with).
- ``<!-- docs-test: file NAME -->``: the block's text is saved as NAME in the shell's current
  directory, as the page tells the reader to do.

Every Python block runs unless it says ``skip``; a shell block runs only when it says ``shell``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+)(?P<info>[^`\n]*)$")
WORD = re.compile(r"(\S+)\s*(.*)", re.DOTALL)
DIRECTIVE = re.compile(r"<!--\s*docs-test:\s*(?P<body>.*?)\s*-->", re.DOTALL)


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    directives: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def directive(self, keyword: str) -> str | None:
        """The text after ``keyword`` in the first directive that starts with it."""
        for text in self.directives:
            head, rest = WORD.match(text).groups()  # type: ignore[union-attr]
            if head == keyword:
                return rest
        return None

    def has(self, keyword: str) -> bool:
        return self.directive(keyword) is not None

    @property
    def is_python(self) -> bool:
        return self.lang in {"python", "py"}

    @property
    def is_pytest_file(self) -> bool:
        """A block that defines test functions is a test file: it runs under pytest."""
        tree = ast.parse(self.code)
        return any(
            isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
            for node in tree.body
        )

    @property
    def test_count(self) -> int:
        tree = ast.parse(self.code)
        return sum(
            isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
            for node in tree.body
        )


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def _dedent(lines: list[str], indent: int) -> list[str]:
    return [line[indent:] if line[:indent].strip() == "" else line for line in lines]


def read_blocks(path: Path) -> list[Block]:
    """The fenced blocks of one Markdown file, each with the directives just before it."""
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks: list[Block] = []
    pending: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line)
        if fence:
            indent, marker = len(fence["indent"]), fence["fence"]
            end = index + 1
            while end < len(lines) and lines[end].strip() != marker:
                end += 1
            body = _dedent(lines[index + 1 : end], indent)
            lang = fence["info"].strip().split(" ")[0]
            blocks.append(Block(path, index + 1, lang, "\n".join(body) + "\n", pending))
            pending = []
            index = end + 1
            continue
        if "<!--" in line and "docs-test:" in line:
            end = index
            while "-->" not in lines[end]:
                end += 1
            comment = "\n".join(lines[index : end + 1])
            pending = [*pending, *(m["body"] for m in DIRECTIVE.finditer(comment))]
            index = end + 1
            continue
        if line.strip():
            pending = []  # a directive belongs to the block right after it
        index += 1
    return blocks


def all_blocks() -> list[Block]:
    return [block for path in markdown_files() for block in read_blocks(path)]
