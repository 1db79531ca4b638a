#!/usr/bin/env python3
"""The flood forecast of the default risk module: training, evaluation, weights, forecasts.

Predicts tomorrow's daily mean flow of the River Wye at Belmont (NRFA station 55002) from today's
flow, the flow trend and the last seven days of catchment rainfall, with a model linear in ln(flow)
(fixtures/risk-module/RiskModule.swift evaluates it in f32 inside the Wasm guest).

    flood_model.py train       fit on 1935-1989, print the held-out 1990-1999 evaluation against
                               persistence, write fixtures/risk-module/ForecastWeights.swift;
                               exits 1 unless the model beats persistence (make model)
    flood_model.py forecasts   print the float32 forecasts of the committed weights as CSV

Protocol (no peeking): the features and the candidate models were chosen by fitting on 1935-1979 and
comparing on 1980-1989 (the validation decade); the shipped weights are then fitted on 1935-1989;
1990-1999 is touched only by the final evaluation. Data: Contains data from the UK National River
Flow Archive.
"""

import argparse
import csv
import math
import os
import re
import sys

import numpy as np

FLOOD_THRESHOLD_M3S = 216.074  # NRFA peaks-over-threshold level for station 55002
RAINFALL_DAYS = 7  # the guest keeps today's and the six previous days' rainfall
REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "nrfa-55002"))
WEIGHTS_SWIFT = os.path.join(REPO, "fixtures", "risk-module", "ForecastWeights.swift")

# Feature names in the order of the weight vector; the same names are the Swift constants.
FEATURES = [
    "logFlow",  # ln Q(t)
    "logFlowTrend",  # ln Q(t) - ln Q(t-1)
    "rainfallToday",  # R(t), mm
    "rainfallYesterday",  # R(t-1)
    "rainfallTwoDaysAgo",  # R(t-2)
    "rainfallThreeToSixDaysAgo",  # R(t-3) + ... + R(t-6)
]
# Held-out evaluation: forecasts made on the evening of day t for day t+1 in this range; the
# sequential forecaster starts a little earlier so its seven-day memory is full (warm-up, inputs only).
HELD_OUT = ("1990-01-01", "1999-12-31")
WARM_UP_START = "1989-12-01"
VALIDATION = ("1980-01-01", "1989-12-31")
SEED = 55002  # numpy is only used deterministically (least squares); the seed fixes anything random


class Series:
    """Daily rainfall (mm) and flow (m³/s, NaN where missing) on one calendar of dates."""

    def __init__(self, data_dir):
        rainfall = self._read(os.path.join(data_dir, "rainfall-daily-1935-1999.csv"))
        flow = self._read(os.path.join(data_dir, "flow-daily-1935-1999.csv"))
        self.dates = sorted(rainfall)
        self.rainfall = np.array([rainfall[d] for d in self.dates])
        self.flow = np.array([flow.get(d, math.nan) for d in self.dates])

    @staticmethod
    def _read(path):
        values = {}
        with open(path, newline="") as f:
            reader = csv.reader(f)
            next(reader)
            for date, value in reader:
                values[date] = float(value) if value.strip() else math.nan
        return values

    def index(self, date):
        return self.dates.index(date)


def feature_matrix(series):
    """Features for every day t that has them all, with the target ln Q(t+1).

    Returns (days, X, target): days are the indices t; a sample needs Q(t-1), Q(t), Q(t+1) and the
    seven days of rainfall up to t.
    """
    q, r = series.flow, series.rainfall
    log_q = np.log(q)
    t = np.arange(RAINFALL_DAYS - 1, len(q) - 1)
    usable = np.isfinite(log_q[t]) & np.isfinite(log_q[t - 1]) & np.isfinite(log_q[t + 1])
    t = t[usable]
    X = np.column_stack([
        log_q[t],
        log_q[t] - log_q[t - 1],
        r[t],
        r[t - 1],
        r[t - 2],
        r[t - 3] + r[t - 4] + r[t - 5] + r[t - 6],
    ])
    return t, X, log_q[t + 1]


def fit(X, target, sample_weight):
    """Weighted least squares for target ≈ bias + X·w; returns (bias, w)."""
    A = np.column_stack([np.ones(len(X)), X]) * np.sqrt(sample_weight)[:, None]
    solution, *_ = np.linalg.lstsq(A, target * np.sqrt(sample_weight), rcond=None)
    return solution[0], solution[1:]


# Candidate fits compared on the validation decade: plain least squares in ln(flow) is dominated by
# the many summer recession days; weighting days that end above 100 m³/s fits the rising limbs
# better, which is where floods are decided.
CANDIDATES = {
    "least squares in ln Q": lambda target: np.ones_like(target),
    "high flows weighted x4": lambda target: np.where(np.exp(target) > 100.0, 4.0, 1.0),
}


def scores(forecast, truth):
    """Recall and precision of 'forecast above the flood threshold' for days truly above it."""
    actual = truth > FLOOD_THRESHOLD_M3S
    predicted = forecast > FLOOD_THRESHOLD_M3S
    hits = int(np.sum(actual & predicted))
    recall = hits / max(int(np.sum(actual)), 1)
    precision = hits / max(int(np.sum(predicted)), 1)
    return {"recall": recall, "precision": precision, "hits": hits,
            "flood_days": int(np.sum(actual)), "alarms": int(np.sum(predicted))}


def float32_weights(bias, weights):
    return np.float32(bias), [np.float32(w) for w in weights]


class Float32Forecaster:
    """Step-by-step mirror of ForecastState in RiskModule.swift, in numpy float32."""

    def __init__(self, bias, weights):
        self.bias, self.weights = float32_weights(bias, weights)
        self.rainfall = [np.float32(0)] * RAINFALL_DAYS
        self.log_flow_today = np.float32(0)
        self.log_flow_yesterday = np.float32(0)
        self.has_flow = False

    def observe(self, rainfall_mm, flow_m3s):
        rainfall_mm, flow_m3s = np.float32(rainfall_mm), np.float32(flow_m3s)
        self.rainfall = [rainfall_mm if rainfall_mm >= 0 and np.isfinite(rainfall_mm)
                         else np.float32(0)] + self.rainfall[:-1]
        if flow_m3s > 0 and np.isfinite(flow_m3s):
            log_flow = np.log(flow_m3s)
            self.log_flow_yesterday = self.log_flow_today if self.has_flow else log_flow
            self.log_flow_today = log_flow
            self.has_flow = True
        else:
            self.log_flow_yesterday = self.log_flow_today

    def forecast(self):
        if not self.has_flow:
            return np.float32(math.nan)
        r = self.rainfall
        earlier = r[3] + r[4] + r[5] + r[6]
        w = self.weights
        x = [self.log_flow_today, self.log_flow_today - self.log_flow_yesterday, r[0], r[1], r[2], earlier]
        log_flow = self.bias
        for weight, feature in zip(w, x):
            log_flow = np.float32(log_flow + np.float32(weight * feature))
        with np.errstate(over="ignore"):
            return np.float32(np.exp(log_flow))


def held_out_forecasts(series, bias, weights):
    """Runs the float32 forecaster from the warm-up start to the end of the held-out period.

    Returns rows (date, rainfall, flow, forecast for the next day), one per observed day.
    """
    forecaster = Float32Forecaster(bias, weights)
    rows = []
    for i in range(series.index(WARM_UP_START), len(series.dates)):
        forecaster.observe(series.rainfall[i], series.flow[i])
        rows.append((series.dates[i], series.rainfall[i], series.flow[i], forecaster.forecast()))
    return rows


def evaluate_rows(rows):
    """Model and persistence scores over the forecasts whose target day is in HELD_OUT.

    A day counts when its flow and the next day's flow are both gauged (persistence needs today's).
    """
    model, persistence, truth = [], [], []
    for (date, _, flow, forecast), (next_date, _, next_flow, _) in zip(rows, rows[1:]):
        if not (HELD_OUT[0] <= next_date <= HELD_OUT[1]):
            continue
        if not (np.isfinite(flow) and np.isfinite(next_flow)):
            continue
        model.append(float(forecast))
        persistence.append(flow)
        truth.append(next_flow)
    model, persistence, truth = np.array(model), np.array(persistence), np.array(truth)
    return scores(model, truth), scores(persistence, truth), len(truth)


def format_float32(value):
    """Shortest decimal that reads back as the same float32 in Swift and numpy."""
    value = np.float32(value)
    for digits in range(6, 10):
        text = f"{float(value):.{digits}g}"
        if np.float32(float(text)) == value:
            break
    if "e" not in text and "." not in text:
        text += ".0"
    return text


def write_weights_swift(path, bias, weights, description):
    bias32, weights32 = float32_weights(bias, weights)
    lines = [
        "// Generated by `make model` (tools/model/flood_model.py): do not edit by hand.",
        f"// {description}",
        "// ln Q(t+1) = bias + Σ weight·feature; see RiskModule.swift for the features.",
        "",
        "enum ForecastWeights {",
        f"    static let bias: Float = {format_float32(bias32)}",
    ]
    for name, weight in zip(FEATURES, weights32):
        lines.append(f"    static let {name}: Float = {format_float32(weight)}")
    lines.append("}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def read_weights_swift(path):
    """(bias, weights) as float32 from the generated Swift file: what the guest is built from."""
    values = {}
    with open(path) as f:
        for name, value in re.findall(r"static let (\w+): Float = (\S+)", f.read()):
            values[name] = np.float32(float(value))
    return values["bias"], [values[name] for name in FEATURES]


def percent(x):
    return f"{100 * x:5.1f} %"


def print_table(title, model, persistence, days):
    print(f"{title} ({days} days; {model['flood_days']} with next-day flow > {FLOOD_THRESHOLD_M3S} m³/s)")
    print(f"  {'':<13} {'recall':>8} {'precision':>10} {'hits':>6} {'alarms':>7}")
    for name, s in (("model", model), ("persistence", persistence)):
        print(f"  {name:<13} {percent(s['recall']):>8} {percent(s['precision']):>10} {s['hits']:>6} {s['alarms']:>7}")


def split(series, days, first, last):
    """Mask of samples whose target day t+1 lies in [first, last]."""
    targets = np.array([series.dates[t + 1] for t in days])
    return (targets >= first) & (targets <= last)


def train(args):
    np.random.seed(SEED)
    series = Series(args.data)
    days, X, target = feature_matrix(series)
    before_validation = split(series, days, "0000", "1979-12-31")
    validation = split(series, days, *VALIDATION)
    before_held_out = split(series, days, "0000", "1989-12-31")

    # 1. Model selection on the validation decade (fitted on 1935-1979 only).
    print("Validation 1980-1989 (fitted on 1935-1979), model selection:")
    truth = np.exp(target[validation])
    persistence_val = scores(np.exp(X[validation, 0]), truth)
    best = None
    for name, weighting in CANDIDATES.items():
        bias, w = fit(X[before_validation], target[before_validation], weighting(target[before_validation]))
        forecast = np.exp(bias + X[validation] @ w)
        s = scores(forecast, truth)
        f1 = 2 * s["recall"] * s["precision"] / max(s["recall"] + s["precision"], 1e-9)
        rmse = float(np.sqrt(np.mean((np.log(forecast) - target[validation]) ** 2)))
        print(f"  {name:<24} recall {percent(s['recall'])}  precision {percent(s['precision'])}  "
              f"F1 {f1:.3f}  RMSE(ln Q) {rmse:.4f}")
        if best is None or f1 > best[0]:
            best = (f1, name)
    print(f"  {'persistence':<24} recall {percent(persistence_val['recall'])}  "
          f"precision {percent(persistence_val['precision'])}")
    chosen = best[1]
    print(f"  chosen: {chosen}")

    # 2. The shipped weights: the chosen fit on everything before the held-out decade.
    rows_used = before_held_out
    bias, w = fit(X[rows_used], target[rows_used], CANDIDATES[chosen](target[rows_used]))
    description = (f"Fitted on {int(rows_used.sum())} days of 1935-1989 ({chosen}); "
                   "NRFA station 55002, River Wye at Belmont.")
    write_weights_swift(args.weights, bias, w, description)
    print(f"\nWeights ({chosen}, {int(rows_used.sum())} days of 1935-1989) written to "
          f"{os.path.relpath(args.weights, os.getcwd())}:")
    print(f"  bias {float(bias):+.5f}  " + "  ".join(f"{n} {float(v):+.5f}" for n, v in zip(FEATURES, w)))

    # 3. The held-out decade, with the float32 forecaster the guest runs, from the written weights.
    bias32, w32 = read_weights_swift(args.weights)
    model, persistence, count = evaluate_rows(held_out_forecasts(series, bias32, w32))
    print()
    print_table("Held-out 1990-1999, float32 forecasts", model, persistence, count)
    better_recall = model["recall"] > persistence["recall"]
    precision_ok = model["precision"] >= persistence["precision"]
    if better_recall and precision_ok:
        print(f"model beats persistence: recall {percent(model['recall']).strip()} > "
              f"{percent(persistence['recall']).strip()}, precision {percent(model['precision']).strip()} >= "
              f"{percent(persistence['precision']).strip()}")
        return 0
    print("model does NOT beat persistence (needs higher recall at equal or better precision)")
    return 1


def forecasts(args):
    series = Series(args.data)
    bias, w = read_weights_swift(args.weights)
    out = sys.stdout
    out.write("date,rainfall_mm,flow_m3s,forecast_next_day_m3s\n")
    for date, rain, flow, forecast in held_out_forecasts(series, bias, w):
        flow_text = "" if not np.isfinite(flow) else f"{flow:.3f}"
        out.write(f"{date},{rain:.3f},{flow_text},{format_float32(forecast)}\n")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["train", "forecasts"], nargs="?", default="train")
    parser.add_argument("--data", default=os.environ.get("NRFA_DATA", DEFAULT_DATA),
                        help="folder with the NRFA 55002 CSV files (default ../shared/data/nrfa-55002)")
    parser.add_argument("--weights", default=WEIGHTS_SWIFT, help="the generated Swift weights file")
    args = parser.parse_args()
    if not os.path.isdir(args.data):
        print(f"flood_model: no data at {args.data} (the NRFA series lives in ../shared/, outside the "
              "repository)", file=sys.stderr)
        return 2
    return train(args) if args.command == "train" else forecasts(args)


if __name__ == "__main__":
    sys.exit(main())
