"""Layout for narrow screens (a laptop with the browser split): sidebar folded, columns stacked.

Streamlit's own rules switch too late for this app: `initial_sidebar_state="auto"` folds the sidebar only
at or below its `md` breakpoint (768 px), and `st.columns` stack only below 640 px. At 800 px the open
sidebar leaves the page 500 px, and four columns of widgets in that cut every label. So below
`NARROW_PX` a stylesheet stacks the columns (a CSS media query on the stable `stHorizontalBlock` /
`stColumn` test ids, the same rule Streamlit applies at 640 px) and a script folds the sidebar once,
by clicking Streamlit's own collapse button, so the learner opens it again with the usual toggle.
The stylesheet also trims the main area's top padding (6 rem by default), so each page's main chart
starts higher in the first screen.
"""

from __future__ import annotations

import streamlit as st

NARROW_PX = 900  # below this, the main area gets the whole width and columns stack
ROW_KEY = "row_"  # columns inside st.container(key="row_…") stay side by side while each has 11 rem

STACKED_COLUMNS = f"""<style>
@media (max-width: {NARROW_PX}px) {{
  [data-testid="stMainBlockContainer"] {{ padding-top: 3.5rem; }}
  [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap; }}
  [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {{ flex: 1 1 100%; min-width: 100%; }}
  [class*="st-key-{ROW_KEY}"] [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {{
    flex: 1 1 11rem; min-width: min(100%, 11rem);
  }}
}}
@media (min-width: {NARROW_PX + 1}px) {{
  [data-testid="stMainBlockContainer"] {{ padding-top: 4rem; }}
}}
</style>"""

# Once per page load. Streamlit remembers the learner's own toggle in localStorage
# ("stSidebarCollapsed-…") and applies it itself; a folded sidebar is only our default, so where that
# key exists nothing is done. What this script does is marked: a fold ("folded"), so a later wide
# window gets the open sidebar back instead of inheriting a choice the learner never made; and that
# reopening ("reopened"), since Streamlit stores the script's click like a learner's, so a later
# narrow window folds again.
FOLD_SIDEBAR = f"""<script>
(() => {{
  if (window.__playgroundSidebarLaidOut) return;
  window.__playgroundSidebarLaidOut = true;
  const MARK = "sequencePlaygroundFoldedSidebar";
  const storage = (() => {{ try {{ return window.localStorage; }} catch (e) {{ return null; }} }})();
  if (!storage) return;
  const chosen = () => Object.keys(storage).filter((k) => k.startsWith("stSidebarCollapsed-"));
  const press = (testId, collapsed, tries) => {{
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const button = document.querySelector(`[data-testid="${{testId}}"] button`)
      || document.querySelector(`button[data-testid="${{testId}}"]`);
    if (sidebar && button && sidebar.getAttribute("data-collapsed") === String(!collapsed)) {{
      button.click();
      return;
    }}
    if (tries > 0) setTimeout(() => press(testId, collapsed, tries - 1), 50);
  }};
  if (window.innerWidth <= {NARROW_PX}) {{
    if (chosen().length && storage.getItem(MARK) !== "reopened") return;
    storage.setItem(MARK, "folded");
    press("stSidebarCollapseButton", true, 100);
  }} else if (["folded", "1"].includes(storage.getItem(MARK))) {{  // "1": an earlier version's mark
    storage.setItem(MARK, "reopened");
    chosen().forEach((k) => storage.removeItem(k));
    press("stExpandSidebarButton", false, 100);
  }}
}})();
</script>"""


def lazy_section(label: str, key: str):
    """A folded section whose content a page builds only while it is open (`.open`): opening or closing
    it reruns the page, so what stays folded costs a rerun nothing (docs/architecture.md)."""
    return st.expander(label, key=key, on_change="rerun")


def keep_in_a_row(name: str):
    """A container whose columns (small controls: segmented buttons, short selects) stay in a row when
    narrow, wrapping only where each would be under 11 rem, instead of stacking one per line."""
    return st.container(key=f"{ROW_KEY}{name}")


def narrow_screen_layout() -> None:
    """Stack columns below `NARROW_PX` and fold the sidebar there by default (call once per run)."""
    st.html(STACKED_COLUMNS)
    with st.sidebar:
        st.html(FOLD_SIDEBAR, unsafe_allow_javascript=True)
