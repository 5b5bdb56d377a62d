"""A photo with a comment (issue 15): cleaned by the library, stored with the comment on both
databases, gone with it, exported only when a moderator approved it."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from PIL import ExifTags, Image

from geo.errors import DioramaError
from geo.participation.photos import MAX_PIXELS, MAX_SIDE, PhotoError, clean_photo
from geo.participation.store import CommentNotFound, InvalidAction
from tests.store_fixtures import CITY, backend_params, comment_args, make_target

MB = 1024 * 1024
LIMIT = 5 * MB
#: Where the test photo claims it was taken (an invented home): must never leave the upload.
GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (35.0, 40.0, 52.45),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (139.0, 46.0, 1.65)}
MARKER = b"MY-HOUSE-IS-HERE-0123456789"


def phone_photo(size: tuple[int, int] = (2400, 1800), *, orientation: int = 1,
                fmt: str = "JPEG", noisy: bool = False) -> bytes:
    """A photo as a phone writes it: EXIF with GPS, camera, time, orientation; an ICC profile,
    a comment and XMP, each carrying :data:`MARKER`. ``noisy``: random pixels (bytes that
    occur nowhere else)."""
    if noisy:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 40, 40))
        image.paste((20, 20, 220), (0, 0, size[0] // 2, size[1] // 3))  # blue block top-left
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = MARKER.decode()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.DateTime] = "2025:06:30 07:15:00"
    exif[ExifTags.Base.GPSInfo] = GPS
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", exif=exif, icc_profile=icc, comment=MARKER,
                   xmp=b"<x:xmpmeta>" + MARKER + b"</x:xmpmeta>")
    else:
        image.save(out, fmt, exif=exif, icc_profile=icc)
    data = out.getvalue()
    assert MARKER in data
    return data


def assert_no_metadata(data: bytes) -> Image.Image:
    """Open with Pillow: a JPEG without EXIF, GPS, profile, comment or XMP."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert not image.getexif(), dict(image.getexif())
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    banned = {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "photoshop",
              "adobe", "mp", "mpoffset"}
    assert not banned & set(image.info), image.info
    assert set(image.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "progression",
                               "progressive", "dpi"}, image.info
    assert [name for name, _ in image.applist] == ["APP0"]  # JFIF only: no APP1 (EXIF, XMP)
    assert MARKER not in data and b"Exif" not in data and b"PhoneMaker" not in data
    return image


# -- the library: clean_photo --------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_gps_exif_in_no_metadata_out(fmt):
    original = phone_photo(fmt=fmt)
    if fmt == "JPEG":
        assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    photo = clean_photo(original, max_bytes=LIMIT)
    image = assert_no_metadata(photo.data)
    assert image.size == (photo.width, photo.height) == (MAX_SIDE, 1200)
    thumb = assert_no_metadata(photo.thumbnail)
    assert max(thumb.size) == 320
    assert photo.mime == "image/jpeg"


def test_nothing_of_the_original_bytes_survives():
    """Re-encoded from pixels: no long run of the original file is in the stored one."""
    original = phone_photo((800, 600))  # small: not even resized
    photo = clean_photo(original, max_bytes=LIMIT)
    assert photo.data != original
    step = 64
    assert not any(original[i:i + step] in photo.data
                   for i in range(0, len(original) - step, step))


def test_photo_is_turned_upright_and_small_ones_are_not_enlarged():
    # orientation 6: the camera was turned; the stored photo stands upright, without the tag
    photo = clean_photo(phone_photo((1000, 600), orientation=6), max_bytes=LIMIT)
    image = assert_no_metadata(photo.data)
    assert image.size == (600, 1000)
    # the blue block (top-left as stored) is top-right once turned 90° clockwise
    r, _, b = image.convert("RGB").getpixel((550, 50))  # type: ignore[misc]
    assert b > 150 and r < 100


def test_transparent_png_is_flattened_on_white():
    image = Image.new("RGBA", (50, 40), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    photo = clean_photo(out.getvalue(), max_bytes=LIMIT)
    assert Image.open(io.BytesIO(photo.data)).convert("RGB").getpixel((25, 20)) >= (250,) * 3


def test_a_50_mb_file_is_refused_before_it_is_decoded(monkeypatch):
    opened = []
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(a))
    big = phone_photo((100, 100)) + b"\0" * (50 * MB)
    with pytest.raises(PhotoError) as err:
        clean_photo(big, max_bytes=LIMIT)
    assert not opened
    assert "5 MB" in err.value.text("en") and "50.0 MB" in err.value.text("en")
    assert "大きすぎます" in err.value.text("ja")
    assert isinstance(err.value, DioramaError)


def _png_of(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.mark.parametrize("size", [(9000, 9000),      # 81 MP: over our bound, under Pillow's
                                  (20000, 20000)])   # 400 MP: Pillow's own bomb error
def test_a_decompression_bomb_is_refused_from_its_header(size, monkeypatch):
    bomb = _png_of(size)
    assert len(bomb) < 200_000  # a small file …
    decoded = []
    original_load = Image.Image.load

    def load(self):  # … whose pixels must never be decoded
        decoded.append(self.size)
        return original_load(self)

    monkeypatch.setattr(Image.Image, "load", load)
    with pytest.raises(PhotoError) as err:
        clean_photo(bomb, max_bytes=LIMIT)
    assert not [s for s in decoded if s[0] * s[1] > MAX_PIXELS]
    assert "megapixels" in err.value.text("en") and "画素数" in err.value.text("ja")


def test_the_pixel_bound_is_explicit_and_ours():
    assert MAX_PIXELS < Image.MAX_IMAGE_PIXELS
    with pytest.raises(PhotoError):
        clean_photo(phone_photo((400, 300)), max_bytes=LIMIT, max_pixels=100_000)
    assert clean_photo(phone_photo((400, 300)), max_bytes=LIMIT, max_pixels=120_000).width == 400


@pytest.mark.parametrize("content", [
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" * 50,  # a PDF renamed photo.jpg
    b"MZ\x90\x00" + b"\0" * 2000,                                 # a program
    b"\xff\xd8\xff\xe0" + b"\0" * 100,                            # a JPEG's first bytes only
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
])
def test_a_renamed_non_image_is_refused(content):
    with pytest.raises(PhotoError) as err:
        clean_photo(content, max_bytes=LIMIT)
    assert "JPEG" in err.value.text("ja") and "JPEG" in err.value.text("en")


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "TIFF", "BMP"])
def test_other_image_types_are_refused(fmt):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (1, 2, 3)).save(out, fmt)
    with pytest.raises(PhotoError) as err:
        clean_photo(out.getvalue(), max_bytes=LIMIT)
    assert fmt in err.value.text("en") and fmt in err.value.text("ja")


def test_empty_file_is_refused():
    with pytest.raises(PhotoError):
        clean_photo(b"", max_bytes=LIMIT)


def test_limit_comes_from_settings(monkeypatch):
    from geo import settings as s

    monkeypatch.setenv("DIORAMA_PHOTO_MAX_MB", "2")
    assert s.settings().photo_max_bytes == 2 * MB
    monkeypatch.setenv("DIORAMA_PHOTO_MAX_MB", "zero")
    with pytest.raises(s.SettingsError):
        s.settings()
    monkeypatch.delenv("DIORAMA_PHOTO_MAX_MB")
    assert s.settings().photo_max_mb == 5


# -- the store, on both databases ------------------------------------------------------------


@pytest.fixture(params=backend_params())
def target(request, tmp_path):
    t = make_target(request.param, tmp_path)
    yield t
    t.drop()


@pytest.fixture
def store(target):
    s = target.open(rate_limit=None)
    yield s
    s.close()


def post(store, **extra):
    return store.post_comment(**comment_args(photo=phone_photo((1200, 900)), **extra))


def test_photo_is_stored_cleaned_with_its_comment(store, target):
    r = post(store)
    photo = store.photo(r.comment_id)
    assert photo is not None and (photo.width, photo.height) == (1200, 900)
    assert not photo.approved_for_export
    assert_no_metadata(photo.data)
    [(stored, thumb, mime)] = target.raw(
        "SELECT bytes, thumbnail, mime FROM comment_photos WHERE comment_id = ?", [r.comment_id])
    assert bytes(stored) == photo.data and mime == "image/jpeg"
    assert_no_metadata(bytes(thumb))
    assert store.thumbnails([r.comment_id])[r.comment_id].data == bytes(thumb)
    # a retry of the same submission stores neither the comment nor the photo again
    args = comment_args(photo=phone_photo((1200, 900)))
    first = store.post_comment(**args)
    again = store.post_comment(**args)
    assert again.comment_id == first.comment_id and not again.created
    assert target.raw("SELECT COUNT(*) FROM comment_photos")[0][0] == 2


def test_a_refused_photo_stores_nothing(store, target):
    with pytest.raises(PhotoError):
        store.post_comment(**comment_args(photo=b"%PDF-1.4 not a photo"))
    assert target.raw("SELECT COUNT(*) FROM comments")[0][0] == 0


def test_hidden_comment_photo_is_not_shown(store):
    r = post(store)
    store.moderate(comment_id=r.comment_id, action="hide", moderator="m", reason="r")
    assert store.photo(r.comment_id) is None
    assert store.thumbnails([r.comment_id]) == {}
    assert store.photo(r.comment_id, include_hidden=True) is not None  # for the moderators
    assert store.thumbnails([r.comment_id], include_hidden=True)


@pytest.mark.parametrize("how", ["token", "moderator"])
def test_photo_bytes_gone_after_delete(store, target, how):
    r = post(store)
    if how == "token":
        assert store.delete_by_token(comment_id=r.comment_id, token=r.edit_token)
    else:
        store.moderate(comment_id=r.comment_id, action="delete", moderator="m", reason="r")
    assert target.raw("SELECT COUNT(*) FROM comment_photos")[0][0] == 0
    assert store.photo(r.comment_id, include_hidden=True) is None


def test_photo_bytes_gone_after_purge(store, target):
    old = post(store, now=datetime.now(UTC) - timedelta(days=400))
    new = post(store)
    assert store.purge_expired(retention_days=365) == 1
    assert [r[0] for r in target.raw("SELECT comment_id FROM comment_photos")] == [new.comment_id]
    assert store.photo(old.comment_id, include_hidden=True) is None


def test_sqlite_file_keeps_no_bytes_of_a_deleted_photo(tmp_path):
    """The database file itself: secure_delete overwrites the freed pages."""
    t = make_target("sqlite", tmp_path)
    store = t.open(rate_limit=None)
    r = store.post_comment(**comment_args(photo=phone_photo((900, 700), noisy=True)))
    stored = store.photo(r.comment_id)
    assert stored is not None and len(stored.data) > 100_000
    probes = [stored.data[i:i + 32] for i in range(1000, len(stored.data) - 32, 4096)]
    thumb = store.thumbnails([r.comment_id])[r.comment_id].data
    probes += [thumb[i:i + 32] for i in range(1000, len(thumb) - 32, 4096)]

    def kept() -> int:
        return sum(probe in p.read_bytes() for p in tmp_path.iterdir() for probe in probes)

    assert kept() >= len(probes)  # the probes do find the photo while it is stored
    store.delete_by_token(comment_id=r.comment_id, token=r.edit_token)
    store.close()  # the last connection checkpoints the WAL into the file
    assert kept() == 0


def test_exports_hold_no_photo_until_a_moderator_approves(store):
    r = post(store)
    plain = store.post_comment(**comment_args())

    def exported() -> tuple[dict[int, str], dict[int, object], list[str]]:
        rows = list(csv.DictReader(io.StringIO(store.export_csv(city=CITY).decode("utf-8-sig"))))
        geo = store.export_geojson(city=CITY)
        names = zipfile.ZipFile(io.BytesIO(store.export_photos(city=CITY))).namelist()
        return ({int(x["id"]): x["photo"] for x in rows},
                {f["id"]: f["properties"]["photo"] for f in geo["features"]}, names)

    photo = store.photo(r.comment_id)
    assert photo is not None
    assert exported() == ({r.comment_id: "", plain.comment_id: ""},
                          {r.comment_id: None, plain.comment_id: None}, [])
    assert store.moderate_photo(comment_id=r.comment_id, action="approve", moderator="Sato",
                                reason="no people, no plates")
    name = f"comment_{r.comment_id}.jpg"
    assert exported() == ({r.comment_id: name, plain.comment_id: ""},
                          {r.comment_id: name, plain.comment_id: None}, [name])
    archive = zipfile.ZipFile(io.BytesIO(store.export_photos(city=CITY)))
    assert_no_metadata(archive.read(name))
    assert archive.read(name) == photo.data
    decidim = store.export_decidim(city=CITY)
    assert name.encode() not in decidim and photo.data[:200] not in decidim
    # hidden: out of every export again, approved or not
    store.moderate(comment_id=r.comment_id, action="hide", moderator="m", reason="r")
    assert exported() == ({plain.comment_id: ""}, {plain.comment_id: None}, [])
    store.moderate(comment_id=r.comment_id, action="restore", moderator="m", reason="r")
    assert not store.moderate_photo(comment_id=r.comment_id, action="withdraw",
                                    moderator="Sato", reason="a face after all")
    assert exported()[2] == []
    assert json.dumps(store.export_geojson(city=CITY)).count("comment_") == 0


def test_photo_moderation_is_audited(store):
    r = post(store)
    version = store.data_version(city=CITY)
    store.moderate_photo(comment_id=r.comment_id, action="approve", moderator="Sato",
                         reason="ok")
    assert store.data_version(city=CITY) > version
    [approved] = store.photos_to_review(city=CITY, approved=True)
    assert approved.comment_id == r.comment_id
    assert approved.comment_text == store.list_comments(city=CITY)[0].text  # judged with it
    assert store.photo(r.comment_id).comment_text is None  # the public's record: the photo
    assert store.photos_to_review(city=CITY) == []
    store.moderate_photo(comment_id=r.comment_id, action="delete", moderator="Sato",
                         reason="a licence plate")
    assert store.photo(r.comment_id) is None
    assert store.list_comments(city=CITY)[0].text  # the comment stays
    log = store.audit_log(comment_id=r.comment_id)
    assert [(e.action, e.actor, e.reason, e.detail) for e in log] == [
        ("photo_approve", "Sato", "ok", "photo: not approved -> approved"),
        ("photo_delete", "Sato", "a licence plate", "photo: approved -> deleted")]
    with pytest.raises(InvalidAction):  # no photo any more
        store.moderate_photo(comment_id=r.comment_id, action="approve", moderator="m",
                             reason="r")
    with pytest.raises(CommentNotFound):
        store.moderate_photo(comment_id=999_999, action="approve", moderator="m", reason="r")
