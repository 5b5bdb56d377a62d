"""A citizen's photo with a comment: decoded, cleaned and re-encoded before it is stored.

:func:`clean_photo` is the only way a photo reaches the comment store
(:meth:`geo.participation.store.Store.post_comment` calls it on the bytes it is given). It

- refuses anything but JPEG (and MPO, the multi-picture JPEG many phones write) and PNG:
  GIF, WebP, TIFF, HEIC, a renamed document … (an iPhone's HEIC photo arrives as JPEG
  when the browser uploads it);
- refuses a file over the size limit (``DIORAMA_PHOTO_MAX_MB``, 5 MB) before decoding it, and
  an image of more than :data:`MAX_PIXELS` pixels from its header, before its pixels are
  decoded (a "decompression bomb": a small file that unpacks to gigabytes); Pillow's own
  bomb check is made an error too;
- turns the image upright (EXIF orientation), converts it to sRGB (embedded colour profile),
  flattens transparency on white, shrinks it to at most :data:`MAX_SIDE` pixels a side and
  encodes new JPEG bytes from the pixels alone: nothing of the original file survives — no
  EXIF (above all no GPS position), no XMP, no colour profile, no comment, no thumbnail.

The library never imports Streamlit; errors are :class:`PhotoError` with the message in
Japanese and English.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from geo.errors import DioramaError

__all__ = [
    "ACCEPTED_FORMATS",
    "MAX_PIXELS",
    "MAX_SIDE",
    "PHOTO_MIME",
    "THUMB_SIDE",
    "CleanPhoto",
    "PhotoError",
    "check_size",
    "clean_photo",
]

#: Pillow format names accepted (MPO: the multi-picture JPEG of many phones' cameras).
ACCEPTED_FORMATS: Final = frozenset({"JPEG", "MPO", "PNG"})
#: Longest side of a stored photo, in pixels.
MAX_SIDE: Final = 1600
#: Longest side of the thumbnail shown under a comment, in pixels.
THUMB_SIDE: Final = 320
#: Most pixels an upload may declare (a 48-50 MP phone camera fits); more is refused from the
#: image's header, before any pixel is decoded.
MAX_PIXELS: Final = 50_000_000
#: What every stored photo is.
PHOTO_MIME: Final = "image/jpeg"

_QUALITY = 85
_THUMB_QUALITY = 80
_SRGB = ImageCms.createProfile("sRGB")


class PhotoError(DioramaError, ValueError):
    """A photo that cannot be accepted: the message says why and what to do, in both languages."""


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    """A photo re-encoded from its pixels alone.

    Attributes
    ----------
    data
        The JPEG file (no metadata).
    width, height
        Its size in pixels (at most :data:`MAX_SIDE` a side).
    thumbnail
        A JPEG of at most :data:`THUMB_SIDE` pixels a side, for the list of comments.
    mime
        ``image/jpeg``.
    """

    data: bytes
    width: int
    height: int
    thumbnail: bytes
    mime: str = PHOTO_MIME


def _unreadable() -> PhotoError:
    return PhotoError(
        "このファイルは写真として読み込めません。JPEG または PNG の画像を選んでください"
        "(iPhone の写真(HEIC)はアップロードのときに JPEG に変換されます)。",
        "This file cannot be read as a photo. Choose a JPEG or PNG image (an iPhone's HEIC "
        "photos are converted to JPEG when they are uploaded).",
    )


def _too_many_pixels(pixels: int | None, max_pixels: int) -> PhotoError:
    """``pixels`` None: Pillow's own bomb check stopped the file before its size was known."""
    limit = f"{max_pixels / 1e6:.0f}"
    ja = f"{pixels / 1e6:.0f} メガピクセル、" if pixels else ""
    en = f"{pixels / 1e6:.0f} megapixels; " if pixels else ""
    return PhotoError(
        f"画像の画素数が多すぎます({ja}上限 {limit} メガピクセル)。"
        "小さくしてからもう一度お試しください。",
        f"The image has too many pixels ({en}at most {limit} megapixels). Make it smaller "
        "and try again.",
    )


def check_size(size: int, max_bytes: int) -> None:
    """Refuse an empty file or one over ``max_bytes`` (before anything is decoded)."""
    if size <= 0:
        raise PhotoError("写真のファイルが空です。", "The photo file is empty.")
    if size > max_bytes:
        raise PhotoError(
            f"写真のファイルが大きすぎます({size / 2**20:.1f} MB、上限 {max_bytes / 2**20:g} MB)。"
            "小さくしてからもう一度お試しください。",
            f"The photo is too large ({size / 2**20:.1f} MB; at most {max_bytes / 2**20:g} MB). "
            "Make it smaller and try again.",
        )


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Open ``data`` as an accepted image, checking its pixels from the header only."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels(None, max_pixels) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _unreadable() from None
    if image.format not in ACCEPTED_FORMATS:
        name = image.format or "?"
        raise PhotoError(
            f"この形式({name})の画像は受け付けていません。JPEG または PNG で保存してから"
            "お試しください。",
            f"Images in {name} format are not accepted. Save the photo as JPEG or PNG and "
            "try again.",
        )
    width, height = image.size
    if width < 1 or height < 1:
        raise _unreadable()
    if width * height > max_pixels:
        raise _too_many_pixels(width * height, max_pixels)
    return image


def _pixels(image: Image.Image, max_side: int) -> Image.Image:
    """Decode (JPEG: already scaled down by the decoder), turn upright, to sRGB, no alpha."""
    image.draft("RGB", (max_side, max_side))  # JPEG: decode at 1/2, 1/4 or 1/8 when larger
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            upright = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning):
        raise _unreadable() from None
    icc = image.info.get("icc_profile")
    if icc and upright.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if upright.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(upright, profile, _SRGB, outputMode=mode)
            upright = converted if converted is not None else upright
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P"
                                               and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return upright.convert("RGB")


def _encode(pixels: Image.Image, quality: int) -> bytes:
    """New JPEG bytes from the pixels alone (a fresh image: no info, EXIF or profile)."""
    fresh = Image.frombytes("RGB", pixels.size, pixels.tobytes())
    out = io.BytesIO()
    fresh.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def clean_photo(data: bytes, *, max_bytes: int, max_side: int = MAX_SIDE,
                max_pixels: int = MAX_PIXELS) -> CleanPhoto:
    """Check a citizen's photo and re-encode it without any metadata.

    Parameters
    ----------
    data
        The uploaded file, as sent.
    max_bytes
        Largest file accepted (``Settings.photo_max_bytes``).
    max_side
        Longest side of the stored photo (it is shrunk, never enlarged).
    max_pixels
        Most pixels the file may declare (checked from its header, before decoding).

    Returns
    -------
    CleanPhoto
        The new JPEG, its size and its thumbnail.

    Raises
    ------
    PhotoError
        For an empty or too large file, a file that is not an image, an image of another
        format than JPEG or PNG, or one of too many pixels.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise _unreadable()
    check_size(len(data), max_bytes)
    with _open(bytes(data), max_pixels) as image:
        pixels = _pixels(image, max_side)
    pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    thumb = pixels.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return CleanPhoto(data=_encode(pixels, _QUALITY), width=pixels.width,
                      height=pixels.height, thumbnail=_encode(thumb, _THUMB_QUALITY))
