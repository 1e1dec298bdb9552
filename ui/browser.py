"""Which browser this session belongs to: a secret in a first-party cookie, never in a link.

The identifier is 256 random bits (`secrets.token_urlsafe(32)`), set by the page itself with
JavaScript (Streamlit has no server-side Set-Cookie) and read back from the websocket's request
headers (`st.context.cookies`) when a reload or a new tab starts a new session. A share link and
the address bar never hold it, so sending either to someone hands over no runs. Another browser,
profile or private window has no cookie and starts empty.
"""

from __future__ import annotations

import re
import secrets

import streamlit as st

COOKIE = "sequence_playground_browser"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what token_urlsafe(32) writes


def browser_id() -> str:
    """This browser's identifier: the cookie's, else a new one that `remember_browser` will set."""
    if "browser_id" not in st.session_state:
        cookie = st.context.cookies.get(COOKIE, "")
        valid = isinstance(cookie, str) and _TOKEN.fullmatch(cookie)
        st.session_state["browser_id"] = cookie if valid else secrets.token_urlsafe(32)
    return st.session_state["browser_id"]


def remember_browser(keep_days: float) -> None:
    """(Re)write the cookie so this browser's next session finds its runs; it lasts as long as they do."""
    token = browser_id()
    max_age = int(keep_days * 86_400)
    st.html(
        f"""<script>
document.cookie = "{COOKIE}={token}; path=/; max-age={max_age}; SameSite=Strict"
    + (window.location.protocol === "https:" ? "; Secure" : "");
</script>""",
        unsafe_allow_javascript=True,
    )
