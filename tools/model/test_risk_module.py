#!/usr/bin/env python3
"""The built risk module against the numpy model (make model-test, part of make test).

Runs build/risk-module/risk-module.wasm (the slot module: assess on the guest API, observe_day,
forecast_flow) under wasmtime over the held-out decade (1990-1999, after the warm-up days), its
guest-API imports bound to stubs that trap, and checks that its forecasts match the float32
forecasts of tools/model/flood_model.py for the committed weights, and so reproduce the same recall
and precision against persistence: observe_day and forecast_flow never call an import. Also: the
forecast-only build (risk-module-forecast.wasm) has no imports and the same forecasts, the exports,
a memory of a few hundred bytes, missing and impossible inputs, and (when wasmkit is given) that
WasmKit runs the standard-page forecast-only build.
Skips, with a message, when ../shared/ (the NRFA series) is absent; the edge-case checks still run.
"""

import argparse
import math
import os
import re
import struct
import subprocess
import sys

import numpy as np
import wasmtime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flood_model  # noqa: E402

RELATIVE_TOLERANCE = 1e-5  # the guest's own ln/exp against numpy's, both in f32
MAX_MEMORY_BYTES = 4096

failures = []


def check(condition, message):
    print(f"  {'ok  ' if condition else 'FAIL'} {message}")
    if not condition:
        failures.append(message)


GUEST_API = {"read_channel", "now", "publish", "log", "config"}


class Guest:
    """One fresh instance of the module under wasmtime; every import (the guest API) is a stub that
    records the call and traps."""

    def __init__(self, module, engine):
        self.store = wasmtime.Store(engine)
        self.imports_called = []

        def stub(name):
            def trap(*args):
                self.imports_called.append(name)
                raise RuntimeError(f"import {name} called")
            return trap
        stubs = [wasmtime.Func(self.store, i.type, stub(i.name)) for i in module.imports]
        self.instance = wasmtime.Instance(self.store, module, stubs)
        exports = self.instance.exports(self.store)
        self._observe = exports["observe_day"]
        self._forecast = exports["forecast_flow"]

    def observe(self, rainfall_mm, flow_m3s):
        self._observe(self.store, float(rainfall_mm), float(flow_m3s))

    def forecast(self):
        return np.float32(self._forecast(self.store))


def same_float32(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= RELATIVE_TOLERANCE * max(abs(a), abs(b))


def check_slot_interface(module):
    print("slot module interface:")
    imports = [(i.module, i.name) for i in module.imports]
    check(imports and all(m == "levee" and n in GUEST_API for m, n in imports),
          f"imports only the guest API ({', '.join(n for _, n in imports)})")
    assess = {e.name: e.type for e in module.exports}.get("assess")
    check(isinstance(assess, wasmtime.FuncType) and not assess.params
          and [str(r) for r in assess.results] == ["i32"], "exports assess() -> i32")


def check_interface(module, engine, wasm_path, imports_allowed=False):
    print(f"interface of {os.path.basename(wasm_path)}:")
    imports = list(module.imports)
    if not imports_allowed:
        check(not imports, f"no imports ({len(imports)} found)")
    exports = {e.name: e.type for e in module.exports}
    observe, forecast = exports.get("observe_day"), exports.get("forecast_flow")
    check(isinstance(observe, wasmtime.FuncType)
          and [str(p) for p in observe.params] == ["f32", "f32"] and not observe.results,
          "exports observe_day(f32, f32)")
    check(isinstance(forecast, wasmtime.FuncType)
          and not forecast.params and [str(r) for r in forecast.results] == ["f32"],
          "exports forecast_flow() -> f32")
    memories = [t for t in exports.values() if isinstance(t, wasmtime.MemoryType)]
    if memories:
        limits = memories[0].limits
        size = limits.min * memories[0].page_size
        check(size <= MAX_MEMORY_BYTES, f"linear memory {size} B (<= {MAX_MEMORY_BYTES} B)")
    else:
        with open(wasm_path, "rb") as f:
            check(len(f.read()) < 8192, "module without exported memory")


def check_edge_cases(module, engine, bias, weights):
    """Missing and impossible inputs behave as in RiskModule.swift (and its numpy mirror)."""
    print("edge cases:")
    guest = Guest(module, engine)
    check(math.isnan(guest.forecast()), "forecast_flow is NaN before any flow is observed")
    mirror = flood_model.Float32Forecaster(bias, weights)
    days = [(3.0, math.nan), (-1.0, 0.0), (12.5, 40.0), (math.nan, 55.0), (0.0, -3.0), (30.0, math.inf),
            (8.0, 300.0), (0.0, 1e-40), (math.inf, 250.0), (0.0, 2.0), (60.0, 800.0), (0.0, 1500.0)]
    agree = True
    for rain, flow in days:
        guest.observe(rain, flow)
        mirror.observe(rain, flow)
        got, want = guest.forecast(), mirror.forecast()
        if not same_float32(float(got), float(want)):
            agree = False
            print(f"    after ({rain}, {flow}): guest {got}, numpy {want}")
    check(agree, f"{len(days)} days with NaN, negative, zero, infinite and subnormal inputs match numpy")
    check(not guest.imports_called, f"no import called ({guest.imports_called[:3]})")


def check_held_out(module, engine, series, bias, weights):
    print("held-out 1990-1999 (after warm-up from " + flood_model.WARM_UP_START + "):")
    expected = flood_model.held_out_forecasts(series, bias, weights)
    guest = Guest(module, engine)
    rows, worst, mismatches = [], 0.0, 0
    for date, rain, flow, want in expected:
        guest.observe(rain, flow)
        got = guest.forecast()
        rows.append((date, rain, flow, got))
        if not same_float32(float(got), float(want)):
            mismatches += 1
            if mismatches <= 5:
                print(f"    {date}: guest {got}, numpy {want}")
        elif math.isfinite(want) and want != 0:
            worst = max(worst, abs(float(got) - float(want)) / abs(float(want)))
    check(mismatches == 0, f"{len(rows)} guest forecasts equal numpy's float32 forecasts "
          f"(largest relative difference {worst:.2e}, tolerance {RELATIVE_TOLERANCE:.0e})")
    check(not guest.imports_called, f"no import called over the decade ({guest.imports_called[:3]})")
    guest_model, persistence, count = flood_model.evaluate_rows(rows)
    numpy_model, _, _ = flood_model.evaluate_rows(expected)
    flood_model.print_table("  guest module", guest_model, persistence, count)
    check(guest_model == numpy_model, "guest recall and precision equal the model's")
    check(guest_model["recall"] > persistence["recall"]
          and guest_model["precision"] >= persistence["precision"],
          "guest beats persistence (higher recall, equal or better precision)")


def check_wasmkit(wasmkit, wasm_path):
    """WasmKit has no custom page sizes: it runs the standard-page build, one call per process."""
    print("wasmkit:")
    observe = subprocess.run([wasmkit, "run", wasm_path, "observe_day", "f32:12.5", "f32:180"],
                             capture_output=True, text=True, timeout=60)
    check(observe.returncode == 0, f"wasmkit run observe_day f32:12.5 f32:180 (exit {observe.returncode})")
    forecast = subprocess.run([wasmkit, "run", wasm_path, "forecast_flow"],
                              capture_output=True, text=True, timeout=60)
    # wasmkit prints results as `[WasmTypes.Value.f32(BITS)]`.
    bits = re.search(r"f32\((\d+)\)", forecast.stdout)
    value = struct.unpack("<f", struct.pack("<I", int(bits.group(1))))[0] if bits else 0.0
    check(forecast.returncode == 0 and math.isnan(value),
          f"wasmkit run forecast_flow on a fresh instance gives NaN ({forecast.stdout.strip()!r})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wasm", required=True, help="the slot module (guest-API imports), 1-byte pages")
    parser.add_argument("--wasm-forecast", help="the forecast alone (no imports), 1-byte pages")
    parser.add_argument("--wasm-standard-pages", help="the same module with 64 KiB pages, for wasmkit")
    parser.add_argument("--wasmkit", help="path of the wasmkit executable")
    parser.add_argument("--data", default=os.environ.get("NRFA_DATA", flood_model.DEFAULT_DATA))
    parser.add_argument("--weights", default=flood_model.WEIGHTS_SWIFT)
    args = parser.parse_args()

    config = wasmtime.Config()
    config.wasm_custom_page_sizes = True
    engine = wasmtime.Engine(config)
    module = wasmtime.Module.from_file(engine, args.wasm)
    bias, weights = flood_model.read_weights_swift(args.weights)

    check_slot_interface(module)
    check_interface(module, engine, args.wasm, imports_allowed=True)
    check_edge_cases(module, engine, bias, weights)
    if args.wasm_forecast:
        forecast_only = wasmtime.Module.from_file(engine, args.wasm_forecast)
        check_interface(forecast_only, engine, args.wasm_forecast)
        check_edge_cases(forecast_only, engine, bias, weights)
    if os.path.isdir(args.data):
        check_held_out(module, engine, flood_model.Series(args.data), bias, weights)
    else:
        print(f"held-out check SKIPPED: no NRFA data at {args.data} (../shared/ is absent)")
    if args.wasmkit and args.wasm_standard_pages:
        check_wasmkit(args.wasmkit, args.wasm_standard_pages)

    if failures:
        print(f"model-test: {len(failures)} check(s) failed")
        return 1
    print("model-test: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
