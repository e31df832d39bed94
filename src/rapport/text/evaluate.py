"""`rapport text evaluate`: how well a theme classifier or sentiment model does on labelled data.

    rapport text evaluate --data FILE --text COL --label COL [--train FILE] [--model tfidf|embed]
    rapport text evaluate --data FILE --text COL --rating COL [--rating-range LOW HIGH]
                          [--group COL [--group-sep SEP]] [--folds K]

With --train the model is trained on that file and tested on --data; without it, every row of
--data is predicted by a model from K-fold cross-validation (stratified for themes) that never
saw it.
Themes: accuracy, macro-F1 and per-class precision/recall/F1/support. Ratings: Pearson r of
VADER and of the trained sentiment model against the ratings.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import numpy as np
from sklearn.metrics import accuracy_score, classification_report, f1_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import MultiLabelBinarizer

from rapport.text.sentiment import cross_validated_scores, fit_sentiment_model, vader_compound
from rapport.text.themes import Features, ThemeModel, fit_theme_model

Table = dict[str, list[str]]
Labels = list[str] | list[frozenset[str]]  # one theme per row, or a set per row


def main(argv: list[str] | None = None) -> int:
    if argv and argv[0] == "--":  # `rapport text evaluate -- --data ...`
        argv = argv[1:]
    args = _parser().parse_args(argv)
    try:
        data = read_table(args.data, args.delimiter, args.no_header)
        train = read_table(args.train, args.delimiter, args.no_header) if args.train else None
        if args.label:
            _evaluate_themes(args, data, train)
        else:
            _evaluate_sentiment(args, data, train)
    except (OSError, ValueError, ImportError) as exc:
        print(f"rapport text evaluate: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rapport text evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", required=True, type=Path, help="CSV/TSV file to evaluate on")
    parser.add_argument("--text", required=True, help="column with the comment text")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--label", help="column with the theme (evaluates a theme classifier)")
    target.add_argument("--rating", help="column with a numeric rating (evaluates sentiment)")
    parser.add_argument("--train", type=Path, help="train on this file instead of K-fold CV")
    parser.add_argument(
        "--model", choices=("tfidf", "embed"), default="tfidf", help="theme classifier features"
    )
    parser.add_argument("--separator", help="labels hold several themes split by this")
    parser.add_argument(
        "--rating-range",
        nargs=2,
        type=float,
        default=(-4.0, 4.0),
        metavar=("LOW", "HIGH"),
        help="scale of the ratings (default: -4 4, the VADER gold sets' scale)",
    )
    parser.add_argument("--group", help="column whose rows stay in one fold (related texts)")
    parser.add_argument(
        "--group-sep",
        help="with --group, only the part of its value before this separator counts (e.g. "
        "'_' keeps the snippets 12_1, 12_2, … of one review in one fold)",
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--delimiter", default=None, help="',' or 'tab' (default: by suffix)")
    parser.add_argument(
        "--no-header", action="store_true", help="no header row: columns are numbers from 1"
    )
    return parser


def read_table(path: Path, delimiter: str | None, no_header: bool) -> Table:
    """Columns of a delimited file by name (or by 1-based number without a header)."""
    if delimiter in (None, "tab"):
        delimiter = "\t" if delimiter == "tab" or path.suffix in (".tsv", ".txt") else ","
    # Tab files such as the VADER gold sets use bare quotes inside text: no CSV quoting.
    with path.open(newline="", encoding="utf-8-sig") as handle:
        if delimiter == "\t":
            reader = csv.reader(handle, delimiter=delimiter, quoting=csv.QUOTE_NONE)
        else:
            reader = csv.reader(handle, delimiter=delimiter)
        rows = [r for r in reader if r]
    if not rows:
        raise ValueError(f"{path} has no rows")
    header = [str(i + 1) for i in range(len(rows[0]))] if no_header else rows.pop(0)
    table: Table = {name: [] for name in header}
    for number, row in enumerate(rows, start=1 if no_header else 2):
        if len(row) != len(header):
            raise ValueError(f"{path} line {number}: {len(row)} fields, expected {len(header)}")
        for name, value in zip(header, row, strict=True):
            table[name].append(value)
    return table


def _column(table: Table, name: str, path: Path) -> list[str]:
    if name not in table:
        raise ValueError(f"{path} has no column {name!r}; columns: {', '.join(table)}")
    return table[name]


def _evaluate_themes(args: argparse.Namespace, data: Table, train: Table | None) -> None:
    texts = _column(data, args.text, args.data)
    labels = _labels(_column(data, args.label, args.data), args.separator)
    features: Features = args.model
    if train is not None:
        train_texts = _column(train, args.text, args.train)
        train_labels = _labels(_column(train, args.label, args.train), args.separator)
        started = time.perf_counter()
        model = fit_theme_model(train_texts, train_labels, features=features)
        fit_times = [time.perf_counter() - started]
        predicted = _predict_labels(model, texts)
        print(f"trained on {len(train_texts):,} rows of {args.train}, tested on {len(texts):,}")
    else:
        predicted, fit_times = _cross_validated_labels(args, texts, labels, features)
        print(f"{args.folds}-fold cross-validation on {len(texts):,} rows of {args.data}")
    if args.separator:
        binarizer = MultiLabelBinarizer().fit([*labels, *predicted])
        truth, guess = binarizer.transform(labels), binarizer.transform(predicted)
        names = [str(c) for c in binarizer.classes_]
        report = classification_report(truth, guess, target_names=names, zero_division=0)
    else:
        truth, guess = np.array(labels), np.array(predicted)
        report = classification_report(truth, guess, zero_division=0, digits=3)
    print(f"model: {args.model}")
    print(f"accuracy: {accuracy_score(truth, guess):.4f}")
    print(f"macro-F1: {f1_score(truth, guess, average='macro', zero_division=0):.4f}")
    print(f"training time: {sum(fit_times):.1f} s ({len(fit_times)} fit(s), mean "
          f"{np.mean(fit_times):.1f} s)")  # fmt: skip
    print(report)


def _labels(values: list[str], separator: str | None) -> Labels:
    if separator is None:
        return values
    return [frozenset(v.strip() for v in value.split(separator) if v.strip()) for value in values]


def _predict_labels(model: ThemeModel, texts: Sequence[str]) -> Labels:
    # Unthresholded for multi-class (the likeliest theme is the answer); 0.5 for multi-label.
    proba = model.probabilities(texts)
    if model.multi_label:
        return [frozenset(t for t, p in zip(model.themes, row, strict=True) if p >= 0.5)
                for row in proba]  # fmt: skip
    return [model.themes[i] for i in proba.argmax(axis=1)]


def _cross_validated_labels(
    args: argparse.Namespace, texts: list[str], labels: Labels, features: Features
) -> tuple[Labels, list[float]]:
    if args.separator:
        splits = KFold(args.folds, shuffle=True, random_state=args.seed).split(texts)
    else:
        stratified = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
        splits = stratified.split(texts, labels)
    predicted: dict[int, str | frozenset[str]] = {}
    fit_times = []
    for train, test in splits:
        started = time.perf_counter()
        model = fit_theme_model(
            [texts[i] for i in train], cast(Labels, [labels[i] for i in train]), features=features
        )
        fit_times.append(time.perf_counter() - started)
        guesses = _predict_labels(model, [texts[i] for i in test])
        predicted.update(zip((int(i) for i in test), guesses, strict=True))
    return cast(Labels, [predicted[i] for i in range(len(texts))]), fit_times


def _evaluate_sentiment(args: argparse.Namespace, data: Table, train: Table | None) -> None:
    texts = _column(data, args.text, args.data)
    ratings = [float(v) for v in _column(data, args.rating, args.data)]
    vader = float(np.corrcoef(vader_compound(texts), ratings)[0, 1])
    started = time.perf_counter()
    if train is not None:
        model = fit_sentiment_model(
            _column(train, args.text, args.train),
            ratings=[float(v) for v in _column(train, args.rating, args.train)],
            rating_range=tuple(args.rating_range),
        )
        scores, how = model.predict(texts)[0], f"trained on {args.train}"
    else:
        if args.group_sep and not args.group:
            raise ValueError("--group-sep needs --group")
        groups = _column(data, args.group, args.data) if args.group else None
        if groups is not None and args.group_sep:
            groups = [g.split(args.group_sep, 1)[0] for g in groups]
        scores = cross_validated_scores(
            texts,
            ratings=ratings,
            rating_range=tuple(args.rating_range),
            folds=args.folds,
            groups=groups,
            seed=args.seed,
        )
        how = f"{args.folds}-fold cross-validation" + (
            f" grouped by {args.group}" + (f" up to {args.group_sep!r}" if args.group_sep else "")
            if groups
            else ""
        )
    seconds = time.perf_counter() - started
    print(f"{len(texts):,} rated texts from {args.data}")
    print(f"VADER compound vs rating: Pearson r = {vader:.4f}")
    print(f"trained model ({how}): Pearson r = {np.corrcoef(scores, ratings)[0, 1]:.4f}")
    print(f"training time: {seconds:.1f} s")


if __name__ == "__main__":
    raise SystemExit(main())
