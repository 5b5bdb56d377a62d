"""Errors of the comment store, each with a Japanese and an English message."""

from __future__ import annotations

from geo.errors import DioramaError

__all__ = [
    "CityBusy",
    "CommentNotFound",
    "IdempotencyConflict",
    "InvalidAction",
    "InvalidCell",
    "InvalidInput",
    "RateLimited",
    "SchemaTooNew",
    "StoreError",
    "TokenMismatch",
]


class StoreError(DioramaError):
    """Base class of the comment store's errors (``message_ja`` fit to show to a citizen)."""


class InvalidInput(StoreError, ValueError):
    """A parameter has a value the store cannot accept."""


class InvalidCell(InvalidInput):
    """The location is not an H3 cell id of resolution 10 or coarser (raw coordinates included)."""


class RateLimited(StoreError):
    """This browser session posted too many comments in a short time.

    Parameters
    ----------
    limit
        Comments allowed per window.
    window_seconds
        Length of the window.
    retry_after
        Seconds until one more comment is allowed.
    """

    def __init__(self, *, limit: int, window_seconds: float, retry_after: float) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.retry_after = retry_after
        wait = max(1, round(retry_after))
        super().__init__(
            f"短い時間に続けて投稿されています。{wait}秒ほど待ってからもう一度お試しください。",
            f"You have posted {limit} comments in the last {window_seconds:g} seconds; "
            f"please wait about {wait} s and try again.",
        )


class CityBusy(RateLimited):
    """The city received its ceiling of comments in the last window (from all sessions).

    Parameters
    ----------
    limit
        Comments the whole city may receive per window.
    window_seconds
        Length of the window.
    retry_after
        Seconds until one more comment is allowed.
    """

    def __init__(self, *, limit: int, window_seconds: float, retry_after: float) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.retry_after = retry_after
        wait = max(1, round(retry_after))
        StoreError.__init__(
            self,
            f"いま、この市区町村への投稿がとても多くなっています(全体で{window_seconds:g}秒に"
            f"{limit}件まで)。{wait}秒ほど待ってからもう一度お試しください。書いた内容は残っています。",
            f"This city is receiving very many comments right now (at most {limit} every "
            f"{window_seconds:g} seconds from everyone); please wait about {wait} s and try "
            "again. What you wrote is kept.",
        )


class CommentNotFound(StoreError, LookupError):
    """No comment has this id (or it was purged)."""

    def __init__(self, comment_id: int) -> None:
        self.comment_id = comment_id
        super().__init__(
            "コメントが見つかりません（削除された可能性があります）。",
            f"Comment {comment_id} does not exist (it may have been purged).",
        )


class TokenMismatch(StoreError, PermissionError):
    """The edit token given does not belong to the comment."""

    def __init__(self) -> None:
        super().__init__(
            "削除用のキーが一致しません。投稿時に表示されたキーを入力してください。",
            "The edit token does not match this comment.",
        )


class IdempotencyConflict(StoreError):
    """An idempotency key was reused by another session."""

    def __init__(self) -> None:
        super().__init__(
            "送信IDが重複しています。ページを再読み込みしてからもう一度投稿してください。",
            "This idempotency key was already used by another session; reload and post again.",
        )


class InvalidAction(StoreError):
    """A moderation or reply action is not possible in the comment's current state."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer version of the app than this one."""
