"""Workshop join links as the store checks them: the token's hash, the group it opens, and why a
token opens nothing (replaced by a newer link, or never valid).

Shared by the workshop tables (:mod:`.workshop`: editing scenarios) and the comments
(:mod:`.comments`: a comment on a scenario), so that a link the facilitator renewed ends
everywhere, inside the writing transaction, with the message about the link.
"""

from __future__ import annotations

import hashlib

from geo.participation.store.backends import Tx
from geo.participation.store.errors import StoreError, TokenMismatch

__all__ = ["LinkRevoked", "UnknownLink", "group_of", "token_hash"]


class UnknownLink(TokenMismatch):
    """No group has this join token (mistyped, made up, or its session was deleted)."""

    def __init__(self) -> None:
        StoreError.__init__(
            self,
            "参加リンクが正しくないか、セッションが削除されました。",
            "This join link is not valid, or the session was deleted.",
        )


class LinkRevoked(UnknownLink):
    """The join link was replaced by a new one (the facilitator renewed it)."""

    def __init__(self) -> None:
        StoreError.__init__(
            self,
            "このリンクは無効になりました。ファシリテーターがこのグループの新しい参加リンクを作りました。"
            "新しいリンク(QRコード)を開いてください。グループの作業は残っています。",
            "This link is no longer valid: the facilitator made a new join link for the group. "
            "Open the new link (QR code); the group's work is kept.",
        )


def token_hash(token: str) -> str:
    """SHA-256 of a workshop token (join link or facilitator key), as stored."""
    return hashlib.sha256(("workshop:" + token).encode("utf-8", "surrogatepass")).hexdigest()


def checked_hash(token: object, error: type[TokenMismatch] = UnknownLink) -> str:
    """The stored form of a token of plausible shape; ``error`` for anything else."""
    if not isinstance(token, str) or not 16 <= len(token) <= 128:
        raise error()
    return token_hash(token)


def refused(tx: Tx, hashed: str) -> UnknownLink:
    """Why a join token opens nothing: replaced by a newer link, or never valid."""
    row = tx.fetchone("SELECT 1 FROM workshop_retired_links WHERE token_hash = ?", [hashed])
    return LinkRevoked() if row is not None else UnknownLink()


def group_of(tx: Tx, token: object) -> tuple[str, str, str]:
    """The group a join token opens now: ``(group id, session id, city)``.

    Raises
    ------
    LinkRevoked
        If the link was replaced by a newer one.
    UnknownLink
        If no group has this token (or none was given).
    """
    h = checked_hash(token)
    row = tx.fetchone("SELECT g.id, g.session_id, s.city FROM workshop_groups g JOIN "
                      "workshop_sessions s ON s.id = g.session_id WHERE g.token_hash = ?", [h])
    if row is None:
        raise refused(tx, h)
    return str(row[0]), str(row[1]), str(row[2])
