"""Who may moderate or change the server's data: a moderators' password or an identity provider."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from geo.settings import settings


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
