"""Who may moderate or change the server's data: a moderators' password or an identity provider."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from geo.settings import settings

from . import state
from .i18n import t
from .voices import get_store


def configured_password() -> str | None:
    """The moderators' password from st.secrets or DIORAMA_MODERATOR_PASSWORD, if any."""
    secrets: Mapping[str, object] | None
    try:
        secrets = {"moderator_password": st.secrets.get("moderator_password")}
    except FileNotFoundError:
        secrets = None
    return settings(secrets=secrets).moderator_password


def has_identity_provider() -> bool:
    """Whether ``[auth]`` is configured in st.secrets (then ``st.login`` is used)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def password_ok(given: str, expected: str, *, who: str = "", purpose: str = "moderation") -> bool:
    """Check the moderators' password, throttled: while this browser session or the app as a
    whole is in back-off after failures, the attempt is refused without looking at it and the
    wait is shown; a wrong password says so. Every attempt looked at is audited and logged
    (never the password) by the store, which all sessions and replicas share."""
    result = get_store().check_secret(given=given, expected=expected,
                                      session_id=st.session_state[state.SESSION_ID],
                                      purpose=purpose, who=who)
    if result.ok:
        return True
    if not result.checked:
        st.error(t("login_wait", s=max(1, round(result.retry_after))))
    elif result.retry_after > 0:
        st.error(t("login_failed") + " " + t("login_slowed", s=max(1, round(result.retry_after))))
    else:
        st.error(t("login_failed"))
    return False
