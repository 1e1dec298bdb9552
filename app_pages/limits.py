"""The limits of RNNs, measured: long memory (adding problem, agreement), the bottleneck, parallelism."""

import math

import streamlit as st

from playground.experiments.adding import BASELINE_MSE
from playground.experiments.agreement import CONDITIONS
from playground.experiments.common import PARTLY_BELOW, SOLVED_BELOW, WORSE_ABOVE
from playground.experiments.registry import EXPERIMENTS, reference_result
from playground.experiments.summaries import (
    adding_summary,
    agreement_summary,
    bottleneck_summary,
    parallel_summary,
)
from playground.experiments.tables import adding_table, agreement_table, bottleneck_table, parallel_table
from playground.figures.experiments import (
    adding_figure,
    agreement_figure,
    bottleneck_figure,
    critical_path_figure,
    parallel_figure,
)
from ui.experiments import SHIPPED, cached_training_profile, experiment, result_key, results
from ui.lecture import next_stop
from ui.session_cache import kept
from ui.views.limits import adding_settings, agreement_settings, bottleneck_settings, parallel_settings

st.title("The limits of RNNs, measured")
st.markdown(
    "Plain RNNs have three famous limits: early inputs fade (**no long memory**), one vector "
    "must carry the whole input (**the encoding bottleneck**), and steps must run one after another "
    "(**no parallelism**). Each experiment below reruns the measurement that showed a limit, next to "
    "the published result."
)
with st.expander("How these experiments run, and what the charts show first"):
    st.caption(
        "Each experiment trains several models from scratch, so it takes minutes on a CPU. The charts "
        "first show the shipped results: the mean over the seeds each was run with (the text under "
        "each chart says how many), with bars from the lowest to the highest seed. A run here uses one "
        "seed; the chart grows as points finish, and **Stop** keeps what is "
        "done. The same experiments run from the command line: "
        "`python -m playground experiment NAME --seeds 3 --json out.json`."
    )

st.subheader("No long memory: the adding problem")
st.markdown(
    "Each step shows a number and a marker; two steps are marked, one in each half, and the answer "
    "is the sum of their numbers. Predicting the average, 1, scores a mean squared error of 1/6 at any "
    "length: a model that cannot carry the first number to the end stays on that line. Every model is read "
    "the same way, at its last step. The *Transformer without attention* keeps everything but the "
    "attention, so its last step sees only itself: it shows what attention adds."
)
SOLVED_MEANS = (
    f"(*Solved*: a test MSE at most {SOLVED_BELOW:.0%} of the mean's, {SOLVED_BELOW * BASELINE_MSE:.3f}, "
    f"a typical miss of about {math.sqrt(SOLVED_BELOW * BASELINE_MSE):.2f}; *partly learned*: under "
    f"{PARTLY_BELOW:.0%} of it; *at the baseline* up to {WORSE_ABOVE:.0%}, *worse than the baseline* "
    "above. The paper's own test, below, counts an answer wrong when it is off by more than 0.04 on "
    "its target 0.5 + (X₁ + X₂)/4, which is 0.16 in units of the sum: every answer must be that close, "
    "where *solved* asks it of the typical one.)"
)


def adding_summary_and_terms(table) -> list[str]:
    """What the adding problem measured, and what its verdicts mean."""
    return [*adding_summary(table), SOLVED_MEANS]


experiment(
    "adding",
    "Run the adding problem",
    adding_settings,
    "Your own run: sequence lengths, models, training steps",
    adding_figure,
    adding_summary_and_terms,
    adding_table,
)
longer = reference_result("adding-long")
if longer is not None:
    long_result, long_reports = longer
    long_steps = long_reports[0]["settings"]["steps"]
    budget = EXPERIMENTS["adding"].small["steps"]
    st.markdown(
        f"**Why the budget matters.** {budget:,} steps of 64 sequences are about "
        f"{budget * 64 / 1e6:.1f} million examples. At T = 100 the first marked number comes 50 to 99 "
        "steps before the answer (75 on average), and a useful gradient has to cross that gap before a "
        "model can start to learn, so the same models given "
        f"{long_steps:,} steps (seeds 0, 1 and 2, one command each: "
        f"`{long_reports[0]['command']} --seed N`, {long_result.seconds / 60:.0f} min in all):"
    )
    st.markdown(" ".join(kept(("lab", "adding-long", "summary"), lambda: adding_summary(long_result.table))))
    own = results().get("adding")
    if own is None or not own.rows or st.session_state.get("lab_show_adding") == SHIPPED:
        st.caption(
            f"Compare with the T = 100 results of the {budget:,}-step runs above: the same models, the "
            f"same seeds' data, about {long_steps / budget:.0f} times the updates."
        )
    else:  # the chart above shows the learner's own run now, not the shipped one
        st.caption(
            f"Compare with the T = 100 results of the shipped {budget:,}-step runs (seeds 0, 1 and 2; "
            f"“{SHIPPED}” above the chart shows them): the same models, about "
            f"{long_steps / budget:.0f} times fewer updates than these."
        )

st.subheader("Subject-verb agreement: distance, or a misleading noun?")
small = EXPERIMENTS["agreement"].small
seen = cached_training_profile(small["num_sentences"])
st.markdown(
    "Next-word models learn the built-in language, where at most one phrase like “near the cats” "
    f"sits between a subject and its verb ({seen['subjects_with_a_phrase']:.0%} of sentences), so in "
    f"training the subject and its verb are never more than {seen['longest_subject_verb_distance']} "
    f"words apart; and that phrase's noun **always has the other number** "
    f"({seen['near_phrases_with_other_number']:.0%} of them: the language never writes “the dog near "
    f"the cat”). Training sentences run to {seen['longest_sentence_words']} words; what the test "
    "changes is the subject–verb distance. The models then continue “the dog near the cats beside "
    "the cats …”: is a singular verb (runs, is) likelier than a plural one? Each point is 200 "
    "prefixes; a share is called below chance only where every seed's 95% interval lies under 50%. "
    + " ".join(f"*{name}*: {text}." for name, text in CONDITIONS.items())
    + " The two conditions put the same words between subject and verb and change only the nouns' "
    "number: a memory that fades with distance fails both; a model misled by the nearer noun fails "
    "only the first."
)
experiment(
    "agreement",
    "Run the agreement test",
    agreement_settings,
    "Your own run: models, phrases in between, epochs",
    agreement_figure,
    agreement_summary,
    agreement_table,
)

st.subheader("The encoding bottleneck: translation with and without attention")
st.markdown(
    "The source is the built-in language, one to several sentences joined by “and”; the target is "
    "a made-up language with its own words and the verb at the end of each clause. The plain "
    "encoder-decoder must pass the whole sentence through its final state; the one with attention "
    "looks back at every encoder state while it writes. Two scores: *words in place* counts a word "
    "only at its exact position, so one early slip fails the rest; **BLEU** (sacrebleu's standard "
    "corpus BLEU) counts matching word sequences wherever they are."
)
metric = st.segmented_control(
    "Score",
    ["bleu", "word_accuracy", "exact"],
    default="bleu",
    required=True,
    format_func={"bleu": "BLEU", "word_accuracy": "words in place", "exact": "exact"}.get,
    key="lab_bottleneck_metric",
)


def bottleneck_settings_with_advice() -> dict | None:
    """The translation test's settings, with how to give both models a fair budget."""
    settings = bottleneck_settings()
    st.caption(
        "Compare like with like: a plain model that still gets short sentences wrong is undertrained, "
        "and its fall with length then mixes two causes. Give it more steps until its short sentences "
        "are right."
    )
    return settings


experiment(
    "bottleneck",
    "Run the translation test",
    bottleneck_settings_with_advice,
    "Your own run: models, clauses, hidden size, training steps",
    lambda table: bottleneck_figure(table, metric),
    bottleneck_summary,
    bottleneck_table,
    view=(metric,),
)
st.subheader("No parallelism: time against sequence length")
st.markdown(
    "An RNN layer must compute step t before step t+1; a self-attention layer computes every "
    "position at once and pays instead for comparing every pair. The chart first shows a shipped "
    "measurement (the caption under it says on what); **Measure** times one layer with 128 units and a "
    "batch of 16 on this server's device."
)
st.info(
    "**Time shows the point only on parallel hardware.** On a few CPU cores there is little to run "
    "side by side, so time follows the amount of arithmetic, and attention's n² comparisons can make "
    "it the slower layer. Vaswani et al. compare sequential operations: the second chart counts them "
    "in the layer's own computation, the longest chain of operations that must wait for each other, "
    "which is the same on any hardware.",
    icon=":material/info:",
)
experiment(
    "parallel",
    "Measure",
    parallel_settings,
    "Your own measurement: sequence lengths, layers",
    parallel_figure,
    parallel_summary,
    parallel_table,
)
parallel_result = results().get("parallel")
if parallel_result is None or not parallel_result.rows:
    parallel_result = (reference_result("parallel") or (None,))[0]
if parallel_result is not None and "critical_path_ops" in parallel_result.table:
    path_figure = kept(
        ("lab", "critical path", *result_key(parallel_result)),
        lambda: critical_path_figure(parallel_result.table),
    )
    st.plotly_chart(path_figure, key="lab_critical_path")
    st.caption(
        "Counted from the autograd graph of one layer: the recurrent layers unrolled one cell per step "
        "grow by a fixed number of operations per step (n steps, as in Vaswani et al.'s table 1); the "
        "self-attention layer's chain is the same at every length."
    )
next_stop("app_pages/limits.py")
