"""One colour per kind of word, the same on every page."""

CLASS_COLORS = {
    # built-in toy language
    "animal": "#4C78A8",
    "person": "#72B7B2",
    "action": "#E45756",
    "place": "#54A24B",
    "time of day": "#B279A2",
    "feeling": "#F58518",
    "food": "#9D755D",
    "adjective": "#EECA3B",
    "adverb": "#FF9DA6",
    # built-in reviews
    "positive word": "#54A24B",
    "negative word": "#E45756",
    "intensifier": "#F58518",
    "negation": "#B279A2",
    "connective": "#4C78A8",
    "thing reviewed": "#72B7B2",
    # uploads, by frequency
    "top 10% most frequent": "#08306B",
    "next 40%": "#2171B5",
    "least frequent 50%": "#6BAED6",  # the lightest blue still visible on white
    "other": "#BAB0AC",
}


# Distinct colours for runs shown together on one chart.
RUN_COLORS = ["#4C78A8", "#E45756", "#54A24B", "#B279A2", "#F58518", "#72B7B2"]


def class_color(name: str | None) -> str:
    return CLASS_COLORS.get(name or "", "#4C78A8")
