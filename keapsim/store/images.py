"""Catalogue images (a product's, a product category's): checked bytes kept as base64 text, so
records stay immutable values and snapshots save them as they are.

The v1 document gives the rules: "Max payload 3 megabytes"; "Acceptable file types: [.png,
.gif, .jpg, .jpeg]"; the name "must match file data". keapsim applies the same to v2 uploads
(its document gives no limit) and checks the match by the format's leading bytes.
"""

from __future__ import annotations

import base64
import hashlib

from .errors import Invalid

MAX_IMAGE_BYTES = 3 * 1024 * 1024
SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


def checked_image(file_name: str, data: bytes, checksum: str | None = None) -> str:
    """The image as base64 text, or :class:`Invalid` (a 400) when it is empty, too large, of
    another type than its name says, or does not match its SHA-256 ``checksum``."""
    if not data:
        raise Invalid("The image is empty", field="file_data")
    if len(data) > MAX_IMAGE_BYTES:
        raise Invalid(f"The image exceeds {MAX_IMAGE_BYTES} bytes", field="file_data")
    extension = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in SIGNATURES:
        raise Invalid("Acceptable file types: [.png, .gif, .jpg, .jpeg]", field="file_name")
    if not data.startswith(SIGNATURES[extension]):
        raise Invalid(f"The file data is not a {extension} image", field="file_data")
    if checksum is not None and hashlib.sha256(data).hexdigest() != checksum.lower():
        raise Invalid("The checksum does not match the file data", field="checksum")
    return base64.b64encode(data).decode("ascii")
