"""The library's own audit reasons and details in the user's language.

The audit log is immutable and keeps what the library wrote (stable English, for tools and
for the record); people read it through these. A reason a moderator typed is shown as typed.
"""

from __future__ import annotations

import re

from . import format as fmt
from .i18n import t

_REPORTED = re.compile(r"reported by (\d+) (?:established )?sessions \(threshold (\d+)"
                       r"(?:; (\d+) more from new sessions)?\)")
_RETENTION = re.compile(r"retention ([\d.]+) days")
_PURGED = re.compile(r"(\d+) comments created before (\S+) deleted")
_LOGIN_FAILED = re.compile(r"(moderation|build_city): wrong password \((\d+) in a row\)")
_NEXT_ATTEMPT = re.compile(r"next attempt after (\d+) s(?:; name given: (.*))?", re.S)
_LOGIN_PAGES = {"moderation": "page_moderation", "build_city": "page_build_city"}


def audit_reason(reason: str | None) -> str:
    """A reason the library wrote, in words of the session's language; others as they are."""
    text = reason or ""
    if m := _REPORTED.fullmatch(text):
        return t("audit_reason_reported", n=m.group(1), k=m.group(2))
    if m := _RETENTION.fullmatch(text):
        return t("audit_reason_retention", days=m.group(1))
    if text == "deleted by the poster with the edit token":
        return t("audit_reason_poster")
    if m := _LOGIN_FAILED.fullmatch(text):
        return t("audit_reason_login_failed", page=t(_LOGIN_PAGES[m.group(1)]), n=m.group(2))
    if text in _LOGIN_PAGES:
        return t(_LOGIN_PAGES[text])
    if text == "workshop session deleted":
        return t("audit_reason_workshop")
    return text


def audit_detail(detail: str | None) -> str:
    """A purge's detail in words (the cut-off as a local date and time); others as they are."""
    text = detail or ""
    if m := _PURGED.fullmatch(text):
        return t("audit_detail_purge", n=fmt.count(m.group(1)), when=fmt.stamp(m.group(2)))
    if m := _NEXT_ATTEMPT.fullmatch(text):
        wait = t("audit_detail_next", s=m.group(1))
        return wait if m.group(2) is None else wait + " " + t("audit_detail_name", who=m.group(2))
    return text
