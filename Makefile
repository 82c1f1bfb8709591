# Tailor build, test and benchmark targets. `make test` is what CI runs.
GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
SHARED_DATA ?= ../shared/data
PKGS        := $(shell $(GO) list ./... | grep -v /scratch)

.PHONY: all build example test unit lint fuzz bench bench-oracle bench-plots bench-engine bench-autoscalers bench-autoscalers-plots bench-optimizers bench-prometheus clean

all: build

build:
	$(GO) build -o bin/tailor ./cmd/tailor

# The example service of examples/goservice (its experiments run bin/goservice).
example: build
	$(GO) build -o bin/goservice ./examples/goservice

# All tests: lint, the lab cluster binaries (built once, cached outside the repo), unit and
# integration tests, and short fuzz runs of the parsers.
test: lint lab prometheus browser unit fuzz

unit:
	$(GO) test -count=1 $(PKGS)

lint:
	@out="$$(gofmt -l cmd internal examples)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) $(PKGS)

# Short coverage-guided fuzz runs of every trace parser (go test -fuzz takes one target at a time).
FUZZTIME ?= 10s
fuzz:
	@for f in $$($(GO) test -list '^Fuzz' ./internal/trace | grep '^Fuzz'); do \
		echo "fuzz $$f"; \
		$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) ./internal/trace || exit 1; \
	done

# Full replay benchmark on every dataset in ../shared/data (writes nothing; copy into docs/benchmarks.md).
bench: build
	@for d in google-2019-tasks bitbrains-rnd azure-v1-vm-cpu; do \
		echo "== $$d"; ./bin/tailor bench recommenders --data $(SHARED_DATA)/$$d || exit 1; \
	done

# The clairvoyant per-day reference bound on each dataset.
bench-oracle: build
	@for d in google-2019-tasks bitbrains-rnd azure-v1-vm-cpu; do \
		echo "== $$d"; ./bin/tailor bench oracle --data $(SHARED_DATA)/$$d --quantiles 0.9,0.95,0.98,0.99,1 || exit 1; \
	done

# Trade-off curves of docs/benchmarks.md (docs/img/tradeoff-*.svg): tailor's knobs swept against the baselines.
SWEEPS := --sweep cpu.margin=0,0.05,0.1,0.15,0.2,0.3 --sweep cpu.percentile=0.85,0.9,0.95 \
	--sweep memory.margin=0.05,0.1,0.15,0.25,0.4 --sweep memory.recent=6,12,18,24,48,96
bench-plots: build
	@for d in google-2019-tasks bitbrains-rnd azure-v1-vm-cpu; do \
		echo "== $$d"; ./bin/tailor bench recommenders --data $(SHARED_DATA)/$$d --policies tailor,vpa,krr,autopilot \
			$(SWEEPS) --plot docs/img/tradeoff-$$d.svg || exit 1; \
	done

# Horizontal replay of the HPA tuners (docs/autoscalers.md).
bench-autoscalers: build
	@for d in google-2019-tasks azure-v1-vm-cpu; do \
		echo "== $$d"; ./bin/tailor bench autoscalers --data $(SHARED_DATA)/$$d || exit 1; \
	done

# Trade-off figures and node packing of docs/autoscalers.md (Azure about 5 minutes).
bench-autoscalers-plots: build
	@for d in google-2019-tasks azure-v1-vm-cpu; do \
		echo "== $$d"; ./bin/tailor bench autoscalers --data $(SHARED_DATA)/$$d --node-type m5.xlarge \
			--plot docs/img/autoscalers-$$d.svg || exit 1; \
	done

# Prometheus at scale (docs/benchmarks.md): 2,000 workloads / 10,000 containers, 14 days of 5-minute
# history written as TSDB blocks (cached in ~/.cache/tailor-bench), Tailor's per-namespace path vs
# one query set per container, in one run (about 12 minutes; bench/promscale is its own Go module).
bench-prometheus: prometheus
	cd bench/promscale && $(GO) run . -shapes $(abspath $(SHARED_DATA))/google-2019-tasks

# Optimizer benchmark, 20 seeds per dataset (docs/optimizers.md; about 6 minutes).
bench-optimizers: build
	@for d in scout cherrypick lynceus moot branin hartmann6; do \
		echo "== $$d"; ./bin/tailor bench optimizers --dataset $$d --seeds 20 || exit 1; \
	done

# Engine ingest speed and state size, side by side with VPA's AggregateContainerState.
bench-engine:
	$(GO) test -run='^$$' -bench=. -benchmem ./internal/baseline/vpa

clean:
	rm -rf bin

# Local lab cluster (internal/lab, docs/lab.md). `lab` builds and caches etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok from the Go module proxy (about 12 minutes on
# 2 cores the first time, instant after); `lab-test` starts a cluster and runs the lab's tests.
.PHONY: lab lab-test
lab:
	$(GO) run ./internal/lab/cmd/labbuild

lab-test: lab
	$(GO) test -count=1 -timeout 10m ./internal/lab

# Real Prometheus and promtool for internal/source/prometheus's tests (Debian's `prometheus`
# package; docs/formats/prometheus.md). Installs them only when missing.
.PHONY: prometheus browser
prometheus:
	@command -v promtool >/dev/null && command -v prometheus >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y prometheus)

# Debian's chromium, for the headless-browser test of the HTML experiment report.
browser:
	@command -v chromium >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
