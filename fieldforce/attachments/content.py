"""What a file is, judged by its bytes alone (never by its name or the type a client
claims), and the images' thumbnails. Images are opened lazily: their size is read from
the header and refused above the pixel limit before a single pixel is decoded."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from fieldforce.errors import Invalid, UnsupportedMediaType

THUMBNAIL_SIDE = 320
THUMBNAIL_QUALITY = 80
# Pillow's own guard, as a second line behind the limit checked here from the header
Image.MAX_IMAGE_PIXELS = 100_000_000

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
HEIC = "image/heic"
PDF = "application/pdf"
ALLOWED = (JPEG, PNG, WEBP, HEIC, PDF)
# HEIF brands of still images (ISO/IEC 23008-12), as phones write them
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
# the Pillow format each sniffed image type must also decode as
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}


def sniff(data: bytes) -> str | None:
    """The content type of ``data`` by its magic bytes, among the allowed ones, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return HEIC
    if data.startswith(b"%PDF-"):
        return PDF
    return None


@dataclass(frozen=True)
class Checked:
    content_type: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def check(data: bytes, *, max_pixels: int) -> Checked:
    """The file's type and, for images Pillow reads, its size and thumbnail; refuses what
    is not an allowed type (``UnsupportedMediaType``) and images that are broken or too
    large (``Invalid``)."""
    content_type = sniff(data)
    if content_type is None:
        raise UnsupportedMediaType(
            "only JPEG, PNG, WebP and HEIC images and PDF documents are accepted "
            "(the file's content decides, not its name)",
            code="unsupported_type",
            details={"allowed": list(ALLOWED)},
        )
    if content_type not in _PILLOW_FORMATS:
        return Checked(content_type)
    with open_image(data, content_type, max_pixels=max_pixels) as image:
        width, height = image.size
        thumb = thumbnail_of(image)
    return Checked(content_type, width, height, thumb)


def open_image(data: bytes, content_type: str, *, max_pixels: int) -> Image.Image:
    """The image, opened (not decoded) and checked against the pixel limit."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[content_type]])
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise Invalid("the image cannot be read", code="unreadable_image") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise _too_many_pixels(max_pixels, width, height)
    return image


def _too_many_pixels(limit: int, width: int | None = None, height: int | None = None) -> Invalid:
    details: dict[str, int] = {"max_pixels": limit}
    if width is not None and height is not None:
        details |= {"width": width, "height": height}
    return Invalid(
        f"the image has more than {limit} pixels", code="image_too_large", details=details
    )


def thumbnail_of(image: Image.Image) -> bytes:
    """A JPEG whose longest side is at most 320 px, upright (EXIF orientation applied),
    transparency flattened onto white."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if image.format == "JPEG":
                image.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))
            image.load()
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            if upright.mode in ("RGBA", "LA", "P", "PA"):
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size, "white")
                flat.paste(rgba, mask=rgba.getchannel("A"))
                upright = flat
            elif upright.mode != "RGB":
                upright = upright.convert("RGB")
            out = io.BytesIO()
            upright.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    except (OSError, SyntaxError, ValueError) as exc:
        raise Invalid("the image cannot be read", code="unreadable_image") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Invalid("the image has too many pixels", code="image_too_large") from exc
    return out.getvalue()
