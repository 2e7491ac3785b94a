"""Image parts in chat files: sizes from file headers (PNG, GIF, JPEG, WebP), data URLs and the part itself,
each provider's documented formula, and a note, never silence, for images that cannot be counted."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.images import (
    ImagePart,
    anthropic_image_tokens,
    gemini_image_tokens,
    image_size,
    openai_image_tokens,
)

runner = CliRunner()


def png(width: int, height: int) -> bytes:
    """A complete, valid greyscale PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


GIF_1X1 = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
# JPEG: SOI, an APP0 (JFIF) segment, then a baseline SOF0 for 640×480 (3 components).
JPEG_640X480 = (
    b"\xff\xd8"
    + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xc0\x00\x11\x08\x01\xe0\x02\x80\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
)
# WebP lossless (VP8L): width-1 and height-1 in 14 bits each after the 0x2F signature byte.
WEBP_300X200 = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f"
    + ((300 - 1) | ((200 - 1) << 14)).to_bytes(4, "little")
    + b"\x00" * 9
)


@pytest.mark.parametrize(
    ("data", "size"),
    [(png(3, 2), (3, 2)), (GIF_1X1, (1, 1)), (JPEG_640X480, (640, 480)), (WEBP_300X200, (300, 200))],
)
def test_image_headers(data: bytes, size: tuple[int, int]) -> None:
    assert image_size(data) == size


def test_not_an_image() -> None:
    assert image_size(b"hello world") is None
    assert image_size(b"\xff\xd8\xff") is None  # a JPEG cut before its size


def test_openai_formula_matches_its_documented_examples() -> None:
    # OpenAI's vision guide: 1024×1024 at high detail is 765 tokens, 2048×4096 is 1,105, low detail is 85.
    assert openai_image_tokens(ImagePart(1024, 1024, "high"), "gpt-4o") == 765
    assert openai_image_tokens(ImagePart(2048, 4096, "high"), "gpt-4o") == 1105
    assert openai_image_tokens(ImagePart(4096, 8192, "low"), "gpt-4o") == 85
    assert openai_image_tokens(ImagePart(1024, 1024, "high"), "gpt-4o-mini") == 2833 + 4 * 5667


def test_anthropic_and_gemini_formulas() -> None:
    # Anthropic's vision guide: 200×200 ≈ 54 tokens, 1000×1000 ≈ 1,334; the long edge is scaled to 1,568.
    assert anthropic_image_tokens(ImagePart(200, 200)) == 54
    assert anthropic_image_tokens(ImagePart(1000, 1000)) == 1334
    assert anthropic_image_tokens(ImagePart(3136, 1000)) == anthropic_image_tokens(ImagePart(1568, 500))
    assert anthropic_image_tokens(ImagePart(1568, 1568)) == 1600  # the largest image is about 1,600 tokens
    # Gemini: 258 per image up to 384×384, else 258 per 768×768 tile.
    assert gemini_image_tokens(ImagePart(384, 384)) == 258
    assert gemini_image_tokens(ImagePart(1000, 800)) == 258 * 2 * 2


def test_chat_file_images_are_counted_or_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("img").mkdir()
    Path("img/photo.png").write_bytes(png(1024, 1024))
    inline = "data:image/png;base64," + base64.b64encode(png(200, 200)).decode()
    chat = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in these pictures?"},
                    {"type": "image_url", "image_url": {"url": "img/photo.png", "detail": "high"}},
                    {"type": "image_url", "image_url": {"url": inline}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/remote.png"}},
                ],
            }
        ]
    }
    Path("chat.json").write_text(json.dumps(chat))
    result = runner.invoke(app, ["count", "chat.json", "-m", "gpt-4o", "-m", "claude-sonnet-4-5", "-f", "json"])
    assert result.exit_code == 0
    items = {item["model"]: item for item in json.loads(result.stdout)["results"]}
    gpt = items["gpt-4o"]
    # 1024×1024 high: 765; 200×200 auto: one tile, 255; the remote image is not fetched, so not counted.
    assert gpt["image_tokens"] == 765 + 255 and gpt["exact"] is False
    assert items["claude-sonnet-4-5"]["image_tokens"] == 1399 + 54  # ceil(1024² / 750), ceil(200² / 750)
    # images are message parts: in the messages' tokens, not the tools'
    assert gpt["tool_tokens"] == 0 and gpt["message_tokens"] == gpt["tokens"] > 765 + 255
    notes = json.loads(result.stdout)["notes"]
    assert (
        "chat.json on gpt-4o: 1 image part was not counted (size unknown, or no published formula for this provider)"
        in notes
    )


def test_audit_names_images_it_could_not_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    part = {"type": "image", "source": {"type": "url", "url": "missing.png"}}
    Path("chat.json").write_text(json.dumps([{"role": "user", "content": [part]}]))
    result = runner.invoke(app, ["audit", ".", "--no-cache", "-m", "claude-sonnet-4-5", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert "chat.json: 1 image part was not counted" in json.loads(result.stdout)["notes"][0]
    assert "tokcli: note: chat.json: 1 image part was not counted" in result.stderr
