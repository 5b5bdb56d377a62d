"""Photos with comments: stored with the comment, shown with it, gone with it, exported only
when a moderator approved them.

A photo reaches the store only through :meth:`Store.post_comment` (``photo=``), which has
:func:`geo.participation.photos.clean_photo` re-encode it without metadata before the writing
transaction; it is stored in that transaction, so a comment is never stored without the
photo it was posted with, nor a photo without its comment. The table ``comment_photos``
(migration 8) holds at most one per comment; the database drops it when its comment is
deleted or purged.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from geo.participation.photos import CleanPhoto
from geo.participation.store.backends import Row, Tx, in_chunks
from geo.participation.store.base import (
    StoreBase,
    audit,
    bump,
    check_id,
)
from geo.participation.store.errors import CommentNotFound, InvalidAction, InvalidInput
from geo.participation.store.models import utc, validate_code
from geo.text import sanitize_line

logger = logging.getLogger(__name__)

__all__ = ["PHOTO_ACTIONS", "Photo", "PhotoAction", "PhotosMixin", "approved_photo_ids",
           "photo_file_name", "store_photo"]

PhotoAction = Literal["approve", "withdraw", "delete"]
#: What a moderator may do with a photo: approve it for exports, withdraw the approval, or
#: delete the photo alone (the comment stays).
PHOTO_ACTIONS: Final[tuple[PhotoAction, ...]] = ("approve", "withdraw", "delete")



@dataclass(frozen=True, slots=True)
class Photo:
    """A comment's photo as stored (a JPEG without metadata).

    Attributes
    ----------
    comment_id
        The comment it belongs to.
    data
        The JPEG: the photo itself, or its thumbnail where the method says so.
    mime
        ``image/jpeg``.
    width, height
        Size of the photo (not of the thumbnail), in pixels.
    approved_for_export
        Whether a moderator approved it for the exports.
    comment_text
        The comment's text, where the method says so (the moderators' list: a photo is
        judged with what it was posted with); None elsewhere.
    """

    comment_id: int
    data: bytes
    mime: str
    width: int
    height: int
    approved_for_export: bool
    comment_text: str | None = None


def photo_file_name(comment_id: int) -> str:
    """Name of a comment's photo in the photo export (and in the CSV's ``photo`` column)."""
    return f"comment_{comment_id}.jpg"


def store_photo(tx: Tx, comment_id: int, photo: CleanPhoto, moment: datetime) -> None:
    """Store a cleaned photo with the comment just inserted (same transaction)."""
    tx.execute(
        "INSERT INTO comment_photos (comment_id, bytes, thumbnail, mime, width, height, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [comment_id, photo.data, photo.thumbnail, photo.mime, photo.width, photo.height, moment])


def approved_photo_ids(tx: Tx, city: str) -> set[int]:
    """Comments of ``city`` whose photo a moderator approved for export (visible ones only)."""
    rows = tx.fetchall(
        "SELECT p.comment_id FROM comment_photos p JOIN comments c ON c.id = p.comment_id "
        "WHERE c.city = ? AND c.status = 'visible' AND p.approved_for_export = ?",
        [city, True])
    return {int(r[0]) for r in rows}


def _photo(row: Row) -> Photo:
    """``comment_id, data, mime, width, height, approved_for_export[, comment text]`` as a
    record."""
    return Photo(comment_id=int(row[0]), data=bytes(row[1]), mime=str(row[2]),
                 width=int(row[3]), height=int(row[4]), approved_for_export=bool(row[5]),
                 comment_text=str(row[6]) if len(row) > 6 else None)


class PhotosMixin(StoreBase):
    """Photos: :meth:`photo`, :meth:`thumbnails`, :meth:`photos_to_review`,
    :meth:`moderate_photo`, :meth:`export_photos`."""

    def photo(self, comment_id: int, *, include_hidden: bool = False) -> Photo | None:
        """A comment's photo, or None (no photo, or the comment is not visible).

        Parameters
        ----------
        comment_id
            The comment.
        include_hidden
            Also the photo of a hidden comment (moderators only).
        """
        cid = check_id(comment_id)
        shown = "" if include_hidden else " AND c.status = 'visible'"
        with self._backend.read() as tx:
            row = tx.fetchone(
                "SELECT p.comment_id, p.bytes, p.mime, p.width, p.height, "  # noqa: S608 - constant SQL fragments; values are bound
                "p.approved_for_export FROM comment_photos p JOIN comments c "
                f"ON c.id = p.comment_id WHERE p.comment_id = ?{shown}", [cid])
        return None if row is None else _photo(row)

    def thumbnails(self, comment_ids: Iterable[int], *,
                   include_hidden: bool = False) -> dict[int, Photo]:
        """The thumbnails of these comments' photos (``data`` is the thumbnail), by comment id;
        comments without a photo, and hidden ones unless ``include_hidden``, are left out."""
        wanted = sorted({check_id(i) for i in comment_ids})
        shown = "" if include_hidden else " AND c.status = 'visible'"

        def sql(marks: str) -> str:
            return ("SELECT p.comment_id, p.thumbnail, p.mime, p.width, p.height, "  # noqa: S608 - placeholders only; values are bound
                    "p.approved_for_export FROM comment_photos p JOIN comments c "
                    f"ON c.id = p.comment_id WHERE p.comment_id IN ({marks}){shown}")

        chunks = in_chunks(wanted)
        if len(chunks) <= 1:  # a page of the list: one statement (none for no comments)
            rows = [row for marks, chunk in chunks
                    for row in self._backend.read_at_once(sql(marks), chunk)]
        else:
            with self._backend.read() as tx:
                rows = [row for marks, chunk in chunks for row in tx.fetchall(sql(marks), chunk)]
        return {photo.comment_id: photo for photo in map(_photo, rows)}

    def photos_to_review(self, *, city: str, approved: bool = False,
                         limit: int = 50) -> list[Photo]:
        """Thumbnails of the photos of a city's visible comments that are (not) approved for
        export, oldest first, each with its comment's text: the moderators' list.

        Parameters
        ----------
        city
            City id.
        approved
            False: photos waiting for approval; True: those approved.
        limit
            Most photos returned.
        """
        with self._backend.read() as tx:
            rows = tx.fetchall(
                "SELECT p.comment_id, p.thumbnail, p.mime, p.width, p.height, "
                "p.approved_for_export, c.body FROM comment_photos p JOIN comments c "
                "ON c.id = p.comment_id WHERE c.city = ? AND c.status = 'visible' "
                "AND p.approved_for_export = ? ORDER BY p.comment_id LIMIT ?",
                [validate_code(city, name="city"), approved, limit])
        return [_photo(r) for r in rows]

    def moderate_photo(self, *, comment_id: int, action: PhotoAction, moderator: str,
                       reason: str, now: datetime | None = None) -> bool:
        """Approve a comment's photo for the exports, withdraw the approval, or delete the
        photo alone; writes exactly one audit row (``photo_approve``, ``photo_withdraw`` or
        ``photo_delete``).

        Parameters
        ----------
        comment_id
            The comment whose photo it is.
        action
            ``"approve"``, ``"withdraw"`` or ``"delete"``.
        moderator, reason, now
            As for :meth:`Store.moderate`.

        Returns
        -------
        bool
            Whether the photo is approved for export now (False after ``delete``).

        Raises
        ------
        CommentNotFound
            If the comment does not exist.
        InvalidAction
            If the comment was deleted or has no photo.
        InvalidInput
            For an unknown action.
        """
        cid = check_id(comment_id)
        if action not in PHOTO_ACTIONS:
            raise InvalidInput("操作が正しくありません。",
                               f"Unknown photo action {action!r}; expected approve, withdraw "
                               "or delete.")
        who = sanitize_line(moderator, max_length=100, field_ja="担当者名", field_en="A moderator")
        why = sanitize_line(reason, max_length=500, field_ja="理由", field_en="A reason")
        moment = utc(now)
        lock = " FOR UPDATE OF c" if self._backend.dialect == "postgres" else ""
        with self._backend.write() as tx:
            row = tx.fetchone(
                "SELECT c.status, c.city, p.approved_for_export FROM comments c LEFT JOIN "  # noqa: S608 - constant SQL fragments; values are bound
                "comment_photos p ON p.comment_id = c.id WHERE c.id = ?" + lock, [cid])
            if row is None:
                raise CommentNotFound(cid)
            if row[0] == "deleted" or row[2] is None:
                raise InvalidAction("このコメントには写真がありません。",
                                    f"Comment {cid} has no photo (or was deleted).")
            before = "approved" if row[2] else "not approved"
            after = _apply_photo(tx, cid, action)
            bump(tx, str(row[1]))
            audit(tx, moment=moment, comment_id=cid, action=f"photo_{action}", actor=who,
                  reason=why, detail=f"photo: {before} -> {after}")
        logger.info("photo of comment %d moderated: %s", cid, action)
        return after == "approved"

    def export_photos(self, *, city: str) -> bytes:
        """The approved photos of a city's visible comments as a ZIP of
        ``comment_<id>.jpg`` files (the CSV and GeoJSON exports name them in ``photo``).

        Parameters
        ----------
        city
            City id.
        """
        city_id = validate_code(city, name="city")
        with self._backend.read() as tx:
            rows = tx.fetchall(
                "SELECT p.comment_id, p.bytes FROM comment_photos p JOIN comments c "
                "ON c.id = p.comment_id WHERE c.city = ? AND c.status = 'visible' "
                "AND p.approved_for_export = ? ORDER BY p.comment_id", [city_id, True])
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
            for cid, data in rows:
                info = zipfile.ZipInfo(photo_file_name(int(cid)), date_time=(2020, 1, 1, 0, 0, 0))
                zf.writestr(info, bytes(data))
        return out.getvalue()


def _apply_photo(tx: Tx, cid: int, action: PhotoAction) -> str:
    """Change a photo for a moderation action; its state afterwards, in words."""
    if action == "delete":
        tx.execute("DELETE FROM comment_photos WHERE comment_id = ?", [cid])
        return "deleted"
    approved = action == "approve"
    tx.execute("UPDATE comment_photos SET approved_for_export = ? WHERE comment_id = ?",
               [approved, cid])
    return "approved" if approved else "not approved"
