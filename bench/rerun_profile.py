"""Where a page's rerun spends its time: each control changed under AppTest, profiled with cProfile.

    python -m bench.rerun_profile [PAGE ...] [--top 25]

Trains Home's default next-word model (and the Self-attention page's default Transformer), then for each
page times its reruns after changes like those of `bench/interaction.py` (each control there and back,
`--repeats` times) and prints the functions with the most cumulative time over them. AppTest runs the
script in a thread of its own without a browser (and without the sidebar on reruns), so these are the
server's share of a rerun; `bench.interaction` measures the whole. The profiler is attached by wrapping
AppTest's script-thread method, a Streamlit internal: this is a measuring tool, not app code. Run it
under the CPU lock; it keeps its runs in a temporary store unless PLAYGROUND_STORE_DIR is set.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
PROFILES = [cProfile.Profile()]  # the last is the one recording


def _profiled(run_script_thread: Callable) -> Callable:
    def wrapped(self) -> None:  # the script runs in AppTest's own thread: profile that thread
        PROFILES[-1].enable()
        try:
            run_script_thread(self)
        finally:
            PROFILES[-1].disable()

    return wrapped


# Each page's controls of its opening view, as (name, change there, change back).
def _text(key: str) -> tuple[str, Callable, Callable]:
    kept = {}

    def there(at: AppTest) -> None:
        box = at.text_input(key=key)
        kept["value"] = box.value
        box.input(" ".join(box.value.split()[:-1]))

    return key, there, lambda at: at.text_input(key=key).input(kept["value"])


def _choice(kind: str, key: str, other: object) -> tuple[str, Callable, Callable]:
    kept = {}

    def there(at: AppTest) -> None:
        kept["value"] = getattr(at, kind)(key=key).value
        getattr(at, kind)(key=key).set_value(other)

    return key, there, lambda at: getattr(at, kind)(key=key).set_value(kept["value"])


def _switch(kind: str, key: str) -> tuple[str, Callable, Callable]:
    flip = lambda at: getattr(at, kind)(key=key).set_value(not getattr(at, kind)(key=key).value)  # noqa: E731
    return key, flip, flip


PAGES: dict[str, list[tuple[str, Callable, Callable]]] = {
    "train": [
        _choice("segmented_control", "train_task", "sentiment"),
        _choice("segmented_control", "train_arch", "rnn"),
    ],
    "encoding": [_text("encoding_text")],
    "recurrence": [_text("recurrence_text"), _switch("toggle", "recurrence_cell")],
    "gradients": [_text("gradients_text"), _choice("radio", "gradients_quantity", "input")],
    "limits": [_choice("segmented_control", "lab_bottleneck_metric", "exact")],
    "attention": [_text("attention_text"), _switch("toggle", "attention_unscaled")],
    "embeddings": [
        _choice("segmented_control", "embeddings_method", "tsne"),
        _choice("segmented_control", "embeddings_dims", 3),
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=list(PAGES))
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("PLAYGROUND_STORE_DIR", tempfile.mkdtemp(prefix="rerun-profile-"))
    LocalScriptRunner._run_script_thread = _profiled(LocalScriptRunner._run_script_thread)
    at = AppTest.from_file(APP, default_timeout=600).run()
    at.button(key="home_next_word").click().run()
    for page in args.pages:
        at.switch_page(f"app_pages/{page}.py").run()
        if any(button.key == "attention_train" for button in at.button):  # no Transformer yet
            at.button(key="attention_train").click().run()
        for name, there, back in PAGES[page]:
            PROFILES.append(cProfile.Profile())
            times = []
            for _ in range(args.repeats):
                for change in (there, back):
                    change(at)
                    start = time.perf_counter()
                    at.run()
                    times.append(round((time.perf_counter() - start) * 1000))
                    for error in at.exception:
                        print(error.value, file=sys.stderr)
            print(f"\n== {page} · {name}: {times} ms", flush=True)
            pstats.Stats(PROFILES[-1]).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
