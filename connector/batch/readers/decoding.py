"""Raw bytes to physical lines, each decoded on its own (one bad line spoils only itself)."""

from __future__ import annotations


def split_lines(data: bytes, encoding: str) -> list[tuple[str, str | None]]:
    """Split raw bytes into decoded physical lines, each with a decode error or ``None``.

    Lines are decoded one at a time so that one badly encoded line does not spoil the file.
    """
    if encoding.lower().replace("_", "-") in {"utf-16", "utf-16-le", "utf-16-be", "utf-32"}:
        text = data.decode(encoding)
        return [(line, None) for line in text.splitlines(keepends=True)]
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        text = data.decode("utf-16")
        return [(line, None) for line in text.splitlines(keepends=True)]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out: list[tuple[str, str | None]] = []
    for raw in data.splitlines(keepends=True):
        try:
            out.append((raw.decode(encoding), None))
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1]
            msg = (
                f"not valid {encoding} text (byte 0x{bad.hex()} at column {exc.start + 1}); "
                f"save the file as UTF-8 or pass --encoding"
            )
            out.append((raw.decode(encoding, errors="replace"), msg))
    return out
