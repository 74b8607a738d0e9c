# grpcprom: make test is what CI runs.

GO          ?= go
MODULES     := . bench examples/otelexemplars monitoring/kubernetes compat/grpc_prometheus/v1suite connectprom connectprom/bench
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck
PROTO_DIR   := examples/helloworld/helloworld

.PHONY: test fmt-check vet staticcheck unit rules slo bench compare proto prometheus run fuzz

test: fmt-check vet staticcheck rules unit

fmt-check:
	@out=$$(gofmt -l . ); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do (cd $$m && echo "go vet ($$m)" && $(GO) vet ./...) || exit 1; done

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

staticcheck: $(STATICCHECK)
	@for m in $(MODULES); do (cd $$m && echo "staticcheck ($$m)" && $(STATICCHECK) ./...) || exit 1; done

unit:
	@for m in $(MODULES); do (cd $$m && echo "go test -race ($$m)" && $(GO) test -race -count=1 ./...) || exit 1; done

# Quick Prometheus rule checks. The Go tests in monitoring/ run these and the
# generated SLO tests (slo_test.yml, slo_long_test.yml, about 30 s), and skip
# without promtool unless REQUIRE_PROMETHEUS=1.
rules:
	@if command -v promtool >/dev/null; then \
		promtool check rules monitoring/prometheus/rules.yml monitoring/prometheus/alerts.yml \
			monitoring/prometheus/slo-rules.yml monitoring/prometheus/slo-alerts.yml && \
		(cd monitoring/prometheus && promtool test rules rules_test.yml); \
	elif [ "$${REQUIRE_PROMETHEUS:-}" = 1 ]; then \
		echo "promtool not found: apt-get install -y prometheus"; exit 1; \
	else echo "promtool not found: skipping rule checks"; fi

# Regenerates the SLO rules, their tests and the Kubernetes manifests from
# the shipped spec (see monitoring/cmd/slo).
slo:
	$(GO) run ./monitoring/cmd/slo -w

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzSplitMethod -fuzztime 30s .

bench:
	$(GO) test -run '^$$' -bench . -benchmem .
	cd bench && $(GO) test -run '^$$' -bench . -benchmem ./...

# All groups by default; e.g. COMPARE_FLAGS='-group stats -rounds 11'.
compare:
	cd bench && $(GO) run ./cmd/compare $(COMPARE_FLAGS)

run:
	$(GO) run ./examples/helloworld

prometheus:
	prometheus --config.file=monitoring/prometheus/prometheus.yml \
		--storage.tsdb.path=$$(mktemp -d) --web.listen-address=127.0.0.1:9090

# Regenerates the example's protobuf code; needs protoc (Debian's
# protobuf-compiler) and installs the Go plugins.
proto:
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	$(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" protoc --proto_path=$(PROTO_DIR) \
		--go_out=paths=source_relative:$(PROTO_DIR) \
		--go-grpc_out=paths=source_relative:$(PROTO_DIR) \
		$(PROTO_DIR)/helloworld.proto
