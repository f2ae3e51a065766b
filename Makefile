# Warren: make build | make run | make test | make fuzz
GO       ?= go
BIN      := bin/warren
PLUGINS  := bin/warren-auth-token
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 15s

.PHONY: build plugins run test test-short vet fuzz bench bench-vs-zookeeper clean

build: plugins
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/warren

# The example auth plugin (plugins/examples/token); see docs/plugins.md.
plugins:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/warren-auth-token ./plugins/examples/token

# Runs a node on the embedded defaults: client port 2181, data in ./warren-data.
run: build
	./$(BIN) server

vet:
	$(GO) vet ./...

# Every test, with the race detector. Differential tests start Apache
# ZooKeeper from the Debian package when it is installed (.ci/run installs it).
test: build vet
	$(GO) test -race -count=1 -timeout 20m ./...

test-short:
	$(GO) test -short -count=1 ./...

# Runs every fuzz target for FUZZTIME each (go test -fuzz takes one at a time).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Go benchmarks of the hot paths (codec, tree, watches, sessions, the log,
# the request pipeline, recovery); not part of test. To see what a change
# does: make bench BENCHCOUNT=6 > old.txt, change, the same > new.txt, then
# go run golang.org/x/perf/cmd/benchstat@latest old.txt new.txt.
BENCHPKGS  := ./core/proto ./core/tree ./core/watch ./core/session ./core/server ./core/client ./storage/wal ./storage/badger
BENCHCOUNT ?= 1
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) $(BENCHPKGS)

# Warren against Apache ZooKeeper 3.8 (Debian package) side by side; not
# part of test. BENCHVS_FLAGS="--rounds 2 --duration 3s --znodes 100000" for a
# quick look; --znodes 0 skips the memory and start-up rows.
bench-vs-zookeeper: build
	$(GO) run ./cmd/benchvs --warren $(BIN) $(BENCHVS_FLAGS)

clean:
	rm -rf bin
