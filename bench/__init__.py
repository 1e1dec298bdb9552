"""Benchmarks of the app as served (page latency, load, estimates, sentence quality); never tests.

They need a live server or take minutes. Library speed benchmarks live in playground/speed/."""
