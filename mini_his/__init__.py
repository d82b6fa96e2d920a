"""mini_his: a deterministic, deliberately dirty HOSxP-style hospital database for demos,
tests and benchmarks (`python mini_his/gen_mini_his.py --url ... --patients N`)."""
