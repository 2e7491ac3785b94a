"""Image parts of chat files: their size, and the tokens each provider's documented formula gives for it.

The size comes from the part itself (`width` / `height` next to the image), from a base64 `data:` URL or an
Anthropic base64 `source`, or from a local file the part points at (a relative path is read from the chat
file's directory). Only the header is read: PNG, GIF, JPEG and WebP headers are parsed here, by hand. An image
whose size cannot be found is not counted, and the count says so.

Formulas (all estimates: the providers document them as approximations or as of a model generation):
- OpenAI (GPT-4o family): `detail: low` is 85 tokens; otherwise the image is scaled to fit 2048×2048, then its
  shorter side to 768, and costs 85 + 170 per 512-pixel tile (gpt-4o-mini: 2,833 + 5,667 per tile).
- Anthropic: width × height / 750, after scaling the long edge down to 1,568 pixels; at most about 1,600
  (Anthropic's largest listed sizes, e.g. 1092×1092, cost ~1,590).
- Google Gemini: 258 tokens when both sides are at most 384 pixels, else 258 per 768×768 tile.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ANTHROPIC_MAX_IMAGE_TOKENS = 1600
_HEADER_BYTES = 64 * 1024  # JPEG's size marker may come after EXIF data; WebP's and PNG's come first


@dataclass(frozen=True)
class ImagePart:
    """An image in a chat message; `width` / `height` None when they could not be found."""

    width: int | None
    height: int | None
    detail: str = "auto"  # OpenAI's `detail`: low | high | auto

    @property
    def known(self) -> bool:
        return bool(self.width and self.height)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first bytes of a PNG, GIF, JPEG or WebP file; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a"):
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


# Start-of-frame markers carry the size; the others between 0xC0 and 0xCF are DHT (C4), JPG (C8) and DAC (CC).
_JPEG_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 9 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def image_part(part: Any, base_dir: Path | None) -> ImagePart | None:
    """The ImagePart of a message content part, None when the part is not an image."""
    if not isinstance(part, dict):
        return None
    kind = part.get("type")
    if kind in ("image_url", "input_image"):
        inner = part.get("image_url")
        url = inner.get("url") if isinstance(inner, dict) else inner if isinstance(inner, str) else None
        detail = inner.get("detail") if isinstance(inner, dict) else part.get("detail")
        size = _given_size(part, inner) or _size_of_url(url, base_dir)
        return _part(size, detail)
    if kind == "image":
        source = part.get("source")
        size = _given_size(part, source)
        if size is None and isinstance(source, dict):
            if source.get("type") == "base64" and isinstance(source.get("data"), str):
                size = _size_of_base64(source["data"])
            elif isinstance(source.get("url"), str):
                size = _size_of_url(source["url"], base_dir)
        return _part(size, None)
    return None


def _part(size: tuple[int, int] | None, detail: Any) -> ImagePart:
    width, height = size if size else (None, None)
    return ImagePart(width, height, detail if detail in ("low", "high", "auto") else "auto")


def _given_size(*places: Any) -> tuple[int, int] | None:
    for place in places:
        if isinstance(place, dict):
            width, height = place.get("width"), place.get("height")
            if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
                return width, height
    return None


def _size_of_url(url: Any, base_dir: Path | None) -> tuple[int, int] | None:
    if not isinstance(url, str):
        return None
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        return _size_of_base64(payload) if header.endswith(";base64") else None
    if "://" in url and not url.startswith("file://"):
        return None  # a remote image: tokcli never fetches anything
    path = Path(url.removeprefix("file://"))
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        with path.open("rb") as stream:
            return image_size(stream.read(_HEADER_BYTES))
    except OSError:
        return None


def _size_of_base64(payload: str) -> tuple[int, int] | None:
    head = payload[: (_HEADER_BYTES // 3) * 4]
    try:
        return image_size(base64.b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, ValueError):
        return None


def openai_image_tokens(image: ImagePart, model: str | None) -> int:
    base, per_tile = (2833, 5667) if model and model.startswith("gpt-4o-mini") else (85, 170)
    if image.detail == "low":
        return base
    assert image.width and image.height
    width, height = float(image.width), float(image.height)
    fit = min(1.0, 2048 / max(width, height))
    width, height = width * fit, height * fit
    shorter = min(width, height)
    if shorter > 768:
        width, height = width * 768 / shorter, height * 768 / shorter
    return base + per_tile * math.ceil(width / 512) * math.ceil(height / 512)


def anthropic_image_tokens(image: ImagePart) -> int:
    assert image.width and image.height
    scale = min(1.0, 1568 / max(image.width, image.height))
    return min(ANTHROPIC_MAX_IMAGE_TOKENS, math.ceil(image.width * scale * image.height * scale / 750))


def gemini_image_tokens(image: ImagePart) -> int:
    assert image.width and image.height
    if image.width <= 384 and image.height <= 384:
        return 258
    return 258 * math.ceil(image.width / 768) * math.ceil(image.height / 768)


def image_tokens(image: ImagePart, method: str, provider: str | None, model: str | None) -> int | None:
    """Tokens of one image for a counting method (see tokcli.tool_tokens); None when no formula applies."""
    if not image.known and not (method == "openai-cookbook" and image.detail == "low"):
        return None
    if method == "openai-cookbook":
        return openai_image_tokens(image, model)
    if method == "anthropic":
        return anthropic_image_tokens(image)
    if provider == "google":
        return gemini_image_tokens(image)
    return None
