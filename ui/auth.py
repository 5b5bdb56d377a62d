"""Who may moderate or change the server's data: a moderators' password or an identity provider."""

from __future__ import annotations

import os

import streamlit as st


def configured_password() -> str | None:
    """The moderators' password from st.secrets or DIORAMA_MODERATOR_PASSWORD, if any."""
    try:
        secret = st.secrets.get("moderator_password")
    except FileNotFoundError:
        secret = None
    return secret or os.environ.get("DIORAMA_MODERATOR_PASSWORD")


def has_identity_provider() -> bool:
    """Whether ``[auth]`` is configured in st.secrets (then ``st.login`` is used)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
