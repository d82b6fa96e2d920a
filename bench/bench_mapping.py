"""Mapping suggestions on the development set (tests/data/mapping_dev/), beside two baselines.

Prints, for ours (dictionary + semantic model + values + global assignment), ours without the
semantic model, a plain rapidfuzz baseline (best name by spelling) and a plain-embedding
baseline (best name by the same model's cosine, names only): top-1 accuracy (a column is right
when its suggested target, or "none", is the truth), precision, recall and F1 over matched
pairs. The baselines get the none-threshold that suits them best on the set. Then the
transformer-set accuracy, the calibration of the confidence, the model's load time in a fresh
process and the time to suggest 100 × 100 columns with the model loaded.

    python bench/bench_mapping.py [--fit] [--misses]

--fit fits the confidence's logistic weights on the set's pairs (the WEIGHTS of
services/mapping/suggest/scoring.py) and prints them; --misses lists every wrong column.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from models.mapping_suggestion import ColumnSpec, TableSpec  # noqa: E402
from services.mapping.suggest import analyze_column, load_dictionary, suggest  # noqa: E402
from services.mapping.suggest.assign import NONE_THRESHOLD  # noqa: E402
from services.mapping.suggest.encoder import load_encoder  # noqa: E402
from services.mapping.suggest.evidence import expected_kind, view_column  # noqa: E402
from services.mapping.suggest.names import split_name  # noqa: E402
from services.mapping.suggest.scoring import FEATURES, score_pairs  # noqa: E402
from tests.mapping_devset import Case, Scores, load_cases, score  # noqa: E402

MIN_SLOPE = 0.5  # the calibration's smallest slope (see _fit)
LOAD_PROBE = (
    "import time; t = time.perf_counter(); "
    "from services.mapping.suggest.encoder import load_encoder; "
    "e = load_encoder(backend={backend!r}); e.encode(['birth date']); "
    "print(time.perf_counter() - t)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="Fit the confidence weights.")
    parser.add_argument("--misses", action="store_true", help="List the wrong columns.")
    parser.add_argument(
        "--quick", action="store_true", help="Leave out the load and speed timings."
    )
    args = parser.parse_args()
    cases = load_cases()
    columns = sum(len(c.truth) for c in cases)
    unmatched = sum(t.target is None for c in cases for t in c.truth.values())
    styles = sorted({c.target_style for c in cases})
    print(
        f"development set: {len(cases)} cases, {columns} source columns "
        f"({unmatched / columns:.0%} without counterpart), target styles {', '.join(styles)}"
    )

    if not args.quick:
        loads = [_load_seconds("numpy") for _ in range(3)]
        reference = _load_seconds("sentence-transformers")
        print(
            f"model load in a fresh process (import + load + first encode): "
            f"{statistics.median(loads):.2f} s median of 3 (light encoder), "
            f"{reference:.2f} s through sentence-transformers"
        )
    encoder = load_encoder()
    # Steady state, as in a running server: the model, the dictionary and the assignment
    # solver (scipy) loaded once, before anything is timed.
    suggest(
        TableSpec("a", (ColumnSpec("hn", "int"),)),
        TableSpec("b", (ColumnSpec("HN", "text"),)),
        encoder=encoder,
    )
    if not args.quick:
        seconds = _time_100_by_100(cases, encoder)
        print(f"100 × 100 columns suggested with the model loaded: {seconds:.2f} s")

    dictionary = load_dictionary()
    print(f"dictionary: {len(dictionary.concepts)} concepts, {len(dictionary.by_name)} names")
    rows: list[tuple[str, Scores]] = []
    ours = {c.name: _ours(c, encoder) for c in cases}
    rows.append(("ours", score(cases, lambda c: ours[c.name])))
    rows.append(("ours without the model", score(cases, lambda c: _ours(c, None))))
    rows.append(_best_threshold("rapidfuzz baseline", cases, _rapidfuzz_scores))
    embedding = lambda case: _embedding_scores(case, encoder)  # noqa: E731
    rows.append(_best_threshold("embedding baseline", cases, embedding))
    print(f"\n{'':32} {'top-1':>7} {'prec':>7} {'recall':>7} {'F1':>7}")
    for label, result in rows:
        print(
            f"{label:32} {result.top1:7.3f} {result.precision:7.3f} "
            f"{result.recall:7.3f} {result.f1:7.3f}"
        )
    _transformer_accuracy(cases, ours)
    _calibration(cases, encoder)
    if args.misses:
        _misses(cases, ours)
    if args.fit:
        _fit(cases, encoder)
        for threshold in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
            result = score(cases, lambda c, t=threshold: _ours(c, encoder, t))
            print(f"  none below {threshold:.2f}: top-1 {result.top1:.3f}, F1 {result.f1:.3f}")


def _load_seconds(backend: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", LOAD_PROBE.format(backend=backend)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    return float(done.stdout.strip().splitlines()[-1])


def _suggestions(case: Case, encoder: object, threshold: float = NONE_THRESHOLD) -> list:
    return suggest(case.source, case.target, encoder=encoder, threshold=threshold)  # type: ignore[arg-type]


def _ours(case: Case, encoder: object, threshold: float = NONE_THRESHOLD) -> dict[str, str | None]:
    return {s.source_column: s.target_column for s in _suggestions(case, encoder, threshold)}


def _time_100_by_100(cases: list[Case], encoder: object) -> float:
    sources = [c for case in cases for c in case.source.columns]
    targets = [c for case in cases for c in case.target.columns]
    # Names made unique so every one is new to the encoder's cache: the model does the work.
    source = TableSpec(
        "src", tuple(_renamed(c, f"{c.name}_s{i}") for i, c in enumerate(sources[:100]))
    )
    target = TableSpec(
        "tgt", tuple(_renamed(c, f"{c.name}_t{i}") for i, c in enumerate(targets[:100]))
    )
    started = time.perf_counter()
    suggest(source, target, encoder=encoder)  # type: ignore[arg-type]
    return time.perf_counter() - started


def _renamed(column: ColumnSpec, name: str) -> ColumnSpec:
    return ColumnSpec(name, column.type, column.samples, column.stats, column.values)


def _rapidfuzz_scores(case: Case) -> np.ndarray:
    from rapidfuzz import fuzz, process

    return (
        process.cdist(
            [c.name.lower() for c in case.source.columns],
            [c.name.lower() for c in case.target.columns],
            scorer=fuzz.ratio,
            dtype=np.float64,
        )
        / 100
    )


def _embedding_scores(case: Case, encoder: object) -> np.ndarray:
    words = lambda c: " ".join(split_name(c.name)) or c.name  # noqa: E731
    texts = [words(c) for c in (*case.source.columns, *case.target.columns)]
    vectors = encoder.encode(texts)  # type: ignore[attr-defined]
    n = len(case.source.columns)
    return vectors[:n] @ vectors[n:].T


def _best_threshold(label: str, cases: list[Case], scorer: object) -> tuple[str, Scores]:
    """The baseline at the none-threshold that gives it the best top-1 on the set."""
    matrices = {case.name: scorer(case) for case in cases}  # type: ignore[operator]

    def predict(threshold: float):  # noqa: ANN202
        def guesses(case: Case) -> dict[str, str | None]:
            matrix = matrices[case.name]
            out: dict[str, str | None] = {}
            for i, column in enumerate(case.source.columns):
                j = int(np.argmax(matrix[i])) if matrix.shape[1] else -1
                good = j >= 0 and matrix[i, j] >= threshold
                out[column.name] = case.target.columns[j].name if good else None
            return out

        return guesses

    best = max(
        ((t, score(cases, predict(t))) for t in np.arange(0.3, 1.0, 0.05)),
        key=lambda item: item[1].top1,
    )
    return f"{label} (none < {best[0]:.2f})", best[1]


def _transformer_accuracy(cases: list[Case], ours: dict[str, dict[str, str | None]]) -> None:
    dictionary = load_dictionary()
    given_truth = end_to_end = validators_right = matched = 0
    for case in cases:
        targets = {c.name: c for c in case.target.columns}
        for column in case.source.columns:
            truth = case.truth[column.name]
            if truth.target is None:
                continue
            matched += 1
            view = view_column(dictionary, targets[truth.target], case.target.name)
            advice = analyze_column(
                column,
                targets[truth.target],
                target_kind=expected_kind(view),
                target_concept=view.concept.concept.id if view.concept else None,
            )
            names = frozenset(t.name for t in advice.transformers)
            right = names == truth.transformers
            given_truth += right
            validators_right += frozenset(v.name for v in advice.validators) == truth.validators
            end_to_end += right and ours[case.name].get(column.name) == truth.target
    print(
        f"\ntransformer-set accuracy over {matched} matched columns: {given_truth / matched:.3f} "
        f"given the true target; {end_to_end / matched:.3f} with our own target; "
        f"validator-set accuracy {validators_right / matched:.3f}"
    )


def _calibration(cases: list[Case], encoder: object) -> None:
    bins: dict[int, list[tuple[float, bool]]] = {}
    for case in cases:
        for s in _suggestions(case, encoder):
            if s.target_column is None:
                continue
            right = case.truth[s.source_column].target == s.target_column
            bins.setdefault(min(int(s.confidence * 10), 9), []).append((s.confidence, right))
    print("\ncalibration of the suggested pairs (confidence → share right):")
    total = sum(len(v) for v in bins.values())
    error = 0.0
    for index in sorted(bins):
        pairs = bins[index]
        share = sum(right for _, right in pairs) / len(pairs)
        mean = sum(confidence for confidence, _ in pairs) / len(pairs)
        error += len(pairs) / total * abs(share - mean)
        print(
            f"  {index / 10:.1f}–{(index + 1) / 10:.1f}: mean confidence {mean:.2f}, "
            f"{share:.2f} right of {len(pairs)}"
        )
    print(f"  expected calibration error {error:.3f}")


def _misses(cases: list[Case], ours: dict[str, dict[str, str | None]]) -> None:
    print("\nwrong columns (case: source → ours, truth):")
    for case in cases:
        for column, truth in case.truth.items():
            guess = ours[case.name].get(column)
            if guess != truth.target:
                print(f"  {case.name}: {column} → {guess}, truth {truth.target}")


def _fit(cases: list[Case], encoder: object) -> None:
    from sklearn.linear_model import LogisticRegression

    from services.mapping.suggest.suggester import _cosines

    dictionary = load_dictionary()
    features, labels = [], []
    for case in cases:
        sources = [view_column(dictionary, c, case.source.name) for c in case.source.columns]
        targets = [view_column(dictionary, c, case.target.name) for c in case.target.columns]
        semantic = _cosines(encoder, sources, targets)  # type: ignore[arg-type]
        scores = score_pairs(dictionary, sources, targets, semantic=semantic, known={})
        for i, source in enumerate(sources):
            for j, target in enumerate(targets):
                features.append([scores.features[name][i, j] for name in FEATURES])
                labels.append(case.truth[source.name].target == target.name)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(np.array(features), np.array(labels))
    print("\nfitted weights (logistic regression on every pair of the set):")
    print(f'    "bias": {model.intercept_[0]:.2f},')
    for name, weight in zip(FEATURES, model.coef_[0], strict=True):
        print(f'    "{name}": {weight:.2f},')
    # Platt scaling of the suggested pairs: raw score → share right, on the pairs the
    # assignment keeps (what a user sees), so a confidence of 0.8 means 8 in 10 right.
    raw, right = [], []
    for case in cases:
        for s in suggest(case.source, case.target, encoder=encoder, calibrate=False):  # type: ignore[arg-type]
            if s.target_column is not None:
                raw.append(_logit(s.confidence))
                right.append(case.truth[s.source_column].target == s.target_column)
    platt = LogisticRegression(C=1.0).fit(np.array(raw).reshape(-1, 1), np.array(right))
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    print(f"calibration (Platt): a = {a:.3f}, b = {b:.3f}")
    if a < MIN_SLOPE:
        # Too few wrong pairs to fit a slope: keep the order of the scores, fit the level.
        from scipy.optimize import minimize_scalar

        x, y = np.array(raw), np.array(right, dtype=float)

        def loss(b: float) -> float:
            p = 1 / (1 + np.exp(-(MIN_SLOPE * x + b)))
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

        b = float(minimize_scalar(loss, bounds=(-10, 10), method="bounded").x)
        print(f"  with the slope held at {MIN_SLOPE}: b = {b:.3f}")


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


if __name__ == "__main__":
    main()
