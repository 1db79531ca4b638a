# The flood forecast of the default risk module (issue 8).
#   make model        train on ../shared/data/nrfa-55002 (1935-1989), print the held-out 1990-1999
#                     evaluation against persistence, regenerate fixtures/risk-module/ForecastWeights.swift
#   make risk-module  build the guest (Embedded Swift, wasm32) into build/risk-module/: risk-module.wasm
#                     (the slot module the node loads: assess on the guest API, observe_day,
#                     forecast_flow; 1-byte pages), and the forecast alone with no imports:
#                     risk-module-forecast.wasm (1-byte pages) and risk-module-64k.wasm (64 KiB pages,
#                     for runtimes without custom page sizes, such as WasmKit)
#   make model-test   the guest under wasmtime against the model's float32 forecasts (part of make test)

MODEL_VENV   := .venv-model
MODEL_PYTHON := $(MODEL_VENV)/bin/python
RISK_BUILD   := build/risk-module
# The forecast (no imports: its files and the shared f32 ln/exp of Sources/LeveeBase), and the slot
# module: the forecast, Assess.swift and the guest library.
FORECAST_SOURCES := $(filter-out fixtures/risk-module/Assess.swift,$(sort $(wildcard fixtures/risk-module/*.swift))) \
                    Sources/LeveeBase/FloatMath.swift
RISK_SOURCES := $(FORECAST_SOURCES) fixtures/risk-module/Assess.swift fixtures/ota-guests/swift/LeveeGuest.swift
RISK_WASM_LD := $(TOOLCHAIN)wasm-ld
RISK_WASMKIT := $(TOOLCHAIN)wasmkit
RISK_SWIFTC  := $(SWIFTC) -target wasm32-unknown-none-wasm -enable-experimental-feature Embedded \
                -enable-experimental-feature Extern -wmo -Osize -parse-as-library -swift-version 6 -no-allocations
# No entry point; a 512-byte stack placed first (an overflow runs off the bottom of memory and traps
# instead of overwriting the state); memory cannot grow.
RISK_LINK    := --no-entry --export=observe_day --export=forecast_flow --gc-sections \
                -z stack-size=512 --stack-first --no-growable-memory

.PHONY: model risk-module model-test

$(MODEL_VENV)/.installed: tools/model/requirements.txt tools/model/venv.sh
	tools/model/venv.sh $(MODEL_VENV) tools/model/requirements.txt

model: $(MODEL_VENV)/.installed
	$(MODEL_PYTHON) tools/model/flood_model.py train
	@if git diff --quiet -- fixtures/risk-module/ForecastWeights.swift 2>/dev/null; then \
	  echo "model: fixtures/risk-module/ForecastWeights.swift unchanged"; \
	else echo "model: fixtures/risk-module/ForecastWeights.swift changed (commit it; make risk-module rebuilds the guest)"; fi

$(RISK_BUILD)/RiskModule.o: $(RISK_SOURCES)
	@mkdir -p $(RISK_BUILD)
	$(RISK_SWIFTC) -module-name RiskModule $(RISK_SOURCES) -c -o $@

$(RISK_BUILD)/Forecast.o: $(FORECAST_SOURCES)
	@mkdir -p $(RISK_BUILD)
	$(RISK_SWIFTC) -module-name RiskModule $(FORECAST_SOURCES) -c -o $@

$(RISK_BUILD)/risk-module.wasm: $(RISK_BUILD)/RiskModule.o
	$(RISK_WASM_LD) --page-size=1 $(RISK_LINK) --export=assess $< -o $@

$(RISK_BUILD)/risk-module-forecast.wasm: $(RISK_BUILD)/Forecast.o
	$(RISK_WASM_LD) --page-size=1 $(RISK_LINK) $< -o $@

$(RISK_BUILD)/risk-module-64k.wasm: $(RISK_BUILD)/Forecast.o
	$(RISK_WASM_LD) $(RISK_LINK) $< -o $@

risk-module: $(RISK_BUILD)/risk-module.wasm $(RISK_BUILD)/risk-module-forecast.wasm $(RISK_BUILD)/risk-module-64k.wasm
	@ls -l $^ | awk '{print "risk-module: " $$NF " " $$5 " B"}'

model-test: risk-module $(MODEL_VENV)/.installed
	$(MODEL_VENV)/bin/wasm-tools validate --features wasm2,custom-page-sizes $(RISK_BUILD)/risk-module.wasm
	$(MODEL_VENV)/bin/wasm-tools validate --features wasm2,custom-page-sizes $(RISK_BUILD)/risk-module-forecast.wasm
	$(MODEL_PYTHON) tools/model/test_risk_module.py --wasm $(RISK_BUILD)/risk-module.wasm \
	  --wasm-forecast $(RISK_BUILD)/risk-module-forecast.wasm \
	  --wasm-standard-pages $(RISK_BUILD)/risk-module-64k.wasm --wasmkit $(RISK_WASMKIT)

TEST_EXTRA += model-test
