# tinystages: build, serve and test.
#
#   make run      build everything, then serve on http://localhost:8080
#   make test     set up (Go modules, Chromium), vet, and run every test
#
#   make static   write the app as a static site (build/static), for any
#                 static file server; BASE=/tinystages/ hosts it under a sub-path
#
# Other targets: build, bench, checkpoints, datasets, icons, clean.

GO       ?= go
GOROOT   := $(shell $(GO) env GOROOT)
ADDR     ?= :8080
WASM_ENV := GOOS=js GOARCH=wasm
# -s -w: no symbol table or DWARF in the wasm the browser downloads.
WASM_FLAGS := -trimpath -ldflags="-s -w"
# The build id the server gives go-app (app.Handler.Version). Empty: the
# server hashes the files the service worker caches.
VERSION  ?=
ifneq ($(VERSION),)
SERVE_FLAGS := -ldflags="-X main.version=$(VERSION)"
endif

# Packages whose tests also run compiled to js/wasm under Node (Go's
# go_js_wasm_exec): the model, the datasets loader and the engine's
# session, which the browser runs. Packages that cannot build for js/wasm
# are left out.
WASM_TEST_CANDIDATES := ./model/... ./datasets/load/... ./datasets/record/... ./datasets/manifest/... ./datasets/split/... ./app/protocol/... ./app/engine/... ./app/cli/gpu
WASM_TEST_PKGS = $(shell $(WASM_ENV) $(GO) list -e -f '{{if and (not .Error) (not .DepsErrors) (or .TestGoFiles .XTestGoFiles)}}{{.ImportPath}}{{end}}' $(WASM_TEST_CANDIDATES) 2>/dev/null)

.PHONY: run build serve static test setup bench checkpoints datasets icons clean FORCE

run: build
	$(GO) run $(SERVE_FLAGS) ./app serve -addr $(ADDR)

build: web/datasets/manifest.json web/app.wasm.br web/engine.wasm.br

serve:
	$(GO) run $(SERVE_FLAGS) ./app serve -addr $(ADDR)

# The app as files, for a host that serves files and nothing else (GitHub
# Pages, S3, nginx): pages, go-app's files, app.wasm, engine.wasm, the
# datasets, the checkpoints and the service worker, every URL under BASE
# (https://user.github.io/tinystages/ is BASE=/tinystages/). Try it with
# any file server, e.g.: cd build && python3 -m http.server, then open
# http://localhost:8000/static/ after make static BASE=/static/.
BASE       ?= /
STATIC_DIR ?= build/static
static: build
	rm -rf $(STATIC_DIR)
	$(GO) run $(SERVE_FLAGS) ./app static -out $(STATIC_DIR) -base $(BASE)

# The shipped datasets, built when missing (make datasets rebuilds them).
web/datasets/manifest.json:
	$(GO) run ./datasets/cmd/mkdatasets -out web/datasets

datasets:
	$(GO) run ./datasets/cmd/mkdatasets -out web/datasets

# go build decides whether a wasm is stale; the file is replaced only when
# its bytes change, so the compressed copies are remade only then.
web/app.wasm: FORCE
	$(WASM_ENV) $(GO) build $(WASM_FLAGS) -o $@.tmp ./app
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

web/engine.wasm: FORCE
	$(WASM_ENV) $(GO) build $(WASM_FLAGS) -o $@.tmp ./app/engine
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

# Pre-compressed copies (brotli and gzip) that the server sends to browsers
# that accept them.
%.wasm.br %.wasm.gz &: %.wasm
	$(GO) run ./app compress $<

# The packages compiled into app.wasm and engine.wasm, vetted for js/wasm.
WASM_VET_PKGS := ./app ./app/ui ./app/protocol ./app/engine ./app/cli/gpu ./model/...
# The end-to-end browser tests run last and alone: they check that the
# page's main thread stays light, which other tests' browsers would blur.
E2E_PKG := ./app/e2e

test: setup web/datasets/manifest.json
	$(GO) vet ./...
	$(WASM_ENV) $(GO) vet $(WASM_VET_PKGS)
	$(GO) test $$($(GO) list ./... | grep -v '/app/e2e$$')
	$(WASM_ENV) $(GO) test -exec=$(GOROOT)/lib/wasm/go_js_wasm_exec $(WASM_TEST_PKGS)
	$(GO) test $(E2E_PKG)

# setup installs what the tests need: Go modules, Chromium for the browser
# tests and Node for the js/wasm tests (with apt-get, when root on Debian).
setup:
	$(GO) mod download
	@if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && \
	    ! command -v google-chrome >/dev/null 2>&1 && [ -z "$$CHROMIUM" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update && apt-get install -y chromium; \
	  else \
	    echo "Chromium is not installed: the browser tests will be skipped (and fail with CI=true)."; \
	    echo "Install it with: sudo apt-get update && sudo apt-get install -y chromium  (or set CHROMIUM=/path/to/chrome)"; \
	  fi; \
	fi
	@if ! command -v node >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update && apt-get install -y nodejs; \
	  else \
	    echo "Node.js is not installed: the js/wasm tests need it (sudo apt-get install -y nodejs)."; exit 1; \
	  fi; \
	fi

# Benchmarks: the model's kernels and training steps natively, then the
# browser benchmark program (app/bench) in headless Chromium: matmul
# GFLOP/s and training tokens/s per backend, report in build/bench.json.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./model/...
	$(GO) test -tags bench -run '^TestBench$$' -v -timeout 60m ./app/bench

# ---------------------------------------------------------------------------
# checkpoints: reproduce the shipped checkpoints in web/checkpoints natively
# (deterministic: same datasets and seed, same bytes). About an hour on 2
# cores. Each stage starts from the previous one:
#   base        pre-trained on the miniature internet
#   midtrained  base + the organisation's domain (code, knowledge base),
#               with synthetic data and replay of pre-training text
#   sft         midtrained + supervised fine-tuning on chat examples, a
#               quarter of the rows replayed pre-training text
#   teacher     sft trained further on math word problems only (1500 steps
#               of 16): the teacher of on-policy distillation (better at
#               math, worse at the rest)
#   student     teacher + 200 steps of chat SFT without the math examples:
#               it forgot most of its arithmetic and half its format, the
#               start of the distillation-vs-RL lesson
# and the report card of the pipeline goes to web/checkpoints/report.md.
CKPT := web/checkpoints
TRAIN := $(GO) run ./app train -preset tiny -seed 1
checkpoints: web/datasets/manifest.json
	mkdir -p $(CKPT)
	$(TRAIN) -stage pretrain -steps 3000 -lr 2e-3 -eval-every 500 -out $(CKPT)/base.safetensors
	$(TRAIN) -stage midtrain -init $(CKPT)/base.safetensors -steps 800 -lr 1e-3 -replay 0.4 -synthetic 0.2 -eval-every 200 -out $(CKPT)/midtrained.safetensors
	$(TRAIN) -stage sft -init $(CKPT)/midtrained.safetensors -steps 400 -lr 3e-4 -replay 0.25 -eval-every 100 -out $(CKPT)/sft.safetensors
	$(TRAIN) -stage sft -init $(CKPT)/sft.safetensors -data web/datasets/math.train.jsonl -steps 1500 -batch 16 -lr 1e-3 -replay 0 -eval-every 100 -out $(CKPT)/teacher.safetensors
	$(TRAIN) -stage sft -init $(CKPT)/teacher.safetensors -skip-kinds math -steps 200 -lr 3e-4 -replay 0.25 -eval-every 100 -out $(CKPT)/student.safetensors
	$(GO) run ./app eval -ckpt $(CKPT)/base.safetensors,$(CKPT)/midtrained.safetensors,$(CKPT)/sft.safetensors,$(CKPT)/teacher.safetensors,$(CKPT)/student.safetensors > $(CKPT)/report.md

# The PNG icons, rendered from web/icon.svg (full-bleed, for maskable use)
# by headless Chromium.
icons:
	for s in 192 512; do \
	  sed "s/width=\"64\" height=\"64\"/width=\"$$s\" height=\"$$s\"/; s/rx=\"14\"/rx=\"0\"/" web/icon.svg > /tmp/tinystages-icon-$$s.svg; \
	  chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=$$s,$$s \
	    --screenshot=web/icon-$$s.png file:///tmp/tinystages-icon-$$s.svg; \
	done

clean:
	rm -f web/app.wasm web/engine.wasm web/*.wasm.gz web/*.wasm.br web/*.tmp
	rm -rf web/datasets app/testdata/artifacts build/static
