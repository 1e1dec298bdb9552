"""Why the playground's small GPT ends lower than nanoGPT's: the reference alone, one change at a time.

    python -m bench.gpt_ablation [--data PATH] [--json out.json]

Each variant trains nanoGPT's model and loop 2000 iterations (seed 1337) and is scored on the
last 10% of the text, whole, as in `python -m playground bench --only gpt`.
"""

from __future__ import annotations

import argparse
import json

import torch

from playground.speed.gpt import ReferenceTraining, load_text

VARIANTS = {
    "nanoGPT as it is": {},
    "every block once per epoch, not random windows": {"sampling": "epochs"},
    "PyTorch's default init for linear layers": {"init": "pytorch"},
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.gpt_ablation", description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="../shared/data/tinyshakespeare.txt", help="the text to train on")
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()
    text, name = load_text(args.data, quick=False)
    results = {}
    for variant, options in VARIANTS.items():
        training = ReferenceTraining(text, args.iterations, 1337, torch.device("cpu"), **options)
        training.advance(args.iterations)
        results[variant] = round(training.validation_loss(), 4)
        print(f"{results[variant]:.4f}  {variant}", flush=True)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"data": name, "iterations": args.iterations, "held_out_loss": results}, out, indent=2)


if __name__ == "__main__":
    main()
