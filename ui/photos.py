"""Photos with comments in the UI: the upload field of the comment form, the thumbnail under a
comment, the photo export, and the moderators' review (approve for export, delete the photo).

Every photo shown here was re-encoded without metadata by the library before it was stored
(:func:`geo.participation.photos.clean_photo`); a hidden comment's photo is shown to
moderators only.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from geo.errors import DioramaError
from geo.participation.store import Photo, PhotoAction, Store
from geo.settings import settings

from .i18n import lang, t

#: Width of a thumbnail under a comment, in CSS pixels.
THUMB_WIDTH = 240
#: File types the browser offers: an iPhone then hands over its HEIC photos as JPEG.
UPLOAD_TYPES = ("jpg", "jpeg", "png")


def upload_field(n: int) -> None:
    """The optional photo of the comment form number ``n`` (inside the form)."""
    mb = settings().photo_max_mb
    st.file_uploader(t("photo_upload", mb=mb), type=list(UPLOAD_TYPES), key=f"c_photo_{n}",
                     max_upload_size=mb,
                     help=t("upload_help", mb=mb))
    st.caption(t("photo_note"))


def form_photo(n: int) -> tuple[bytes | None, tuple[str, ...]]:
    """The photo chosen in form ``n`` (as uploaded) and what it adds to the submission key
    (nothing without a photo, so a comment's key is what it always was)."""
    upload = st.session_state.get(f"c_photo_{n}")
    if upload is None:
        return None, ()
    data = upload.getvalue()
    return data, (hashlib.sha256(data).hexdigest(),)


def thumbnail(photo: Photo | None) -> None:
    """A comment's photo as a thumbnail (from :meth:`Store.thumbnails`), if it has one."""
    if photo is not None:
        st.image(photo.data, width=THUMB_WIDTH, alt=t("photo_alt", id=photo.comment_id))


def export_button(column: Any, store: Store, city: str) -> None:
    """Download of the photos approved for export (a ZIP, made when clicked)."""
    column.download_button(t("export_photos"), lambda: store.export_photos(city=city),
                           file_name=f"{city}_photos.zip", mime="application/zip")


def _full_size(store: Store, comment_id: int, key: str) -> None:
    """The photo at full size, read only when the moderator asks for it."""
    if st.toggle(t("photo_full"), key=key):
        photo = store.photo(comment_id, include_hidden=True)
        if photo is not None:
            st.image(photo.data, alt=t("photo_alt", id=comment_id))


def _act(store: Store, comment_id: int, action: PhotoAction, moderator: str,
         reason: str) -> None:
    try:
        store.moderate_photo(comment_id=comment_id, action=action, moderator=moderator,
                             reason=reason)
    except DioramaError as exc:
        st.error(exc.text(lang()))
    else:
        st.rerun()


def queue_photo(store: Store, comment_id: int, moderator: str) -> None:
    """A queued comment's photo (also when the comment is hidden) and "delete the photo only",
    with the reason typed for the comment (``mreason_<id>``)."""
    photo = store.thumbnails([comment_id], include_hidden=True).get(comment_id)
    if photo is None:
        return
    thumbnail(photo)
    _full_size(store, comment_id, f"mqfull_{comment_id}")
    reason = str(st.session_state.get(f"mreason_{comment_id}") or "")
    if st.button(t("mod_photo_delete"), key=f"mq_photo_delete_{comment_id}",
                 disabled=not reason, help=t("mod_photo_reason")):
        _act(store, comment_id, "delete", moderator, reason)


def review(store: Store, city: str, moderator: str) -> None:
    """Photos of visible comments waiting for approval for export, and those approved."""
    pending = store.photos_to_review(city=city)
    st.subheader(t("mod_photos", n=len(pending)))
    st.caption(t("mod_photos_intro"))
    for photo in pending:
        _review_one(store, photo, moderator)
    approved = store.photos_to_review(city=city, approved=True)
    if approved:
        with st.expander(t("mod_photos_approved", n=len(approved))):
            for photo in approved:
                _review_one(store, photo, moderator)


def _review_one(store: Store, photo: Photo, moderator: str) -> None:
    cid = photo.comment_id
    with st.container(border=True):
        thumbnail(photo)
        st.caption(t("photo_about", id=cid, w=photo.width, h=photo.height))
        if photo.comment_text:  # judged with what it was posted with (plain text, never markdown)
            st.text(photo.comment_text)
        _full_size(store, cid, f"mpfull_{cid}")
        reason = st.text_input(t("mod_reason"), key=f"mpreason_{cid}")
        actions: tuple[PhotoAction, ...] = (("withdraw", "delete") if photo.approved_for_export
                                            else ("approve", "delete"))
        for col, action in zip(st.columns(len(actions)), actions, strict=True):
            if col.button(t(f"mod_photo_{action}"), key=f"mp_{action}_{cid}",
                          disabled=not reason,
                          type="primary" if action == actions[0] else "secondary"):
                _act(store, cid, action, moderator, reason)
