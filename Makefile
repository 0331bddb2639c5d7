# streamgen. `make demo` and `make test` are the two commands a newcomer runs.
GO ?= go
# Packages whose tests are slow to compile in parallel on 2 cores get -p 2.
TESTFLAGS ?= -p 2 -timeout 20m

.PHONY: demo test generate golden bench bench-codec bench-pipeline bench-kafka lint build broker

## demo: the clickstream example end to end (see examples/clickstream/README.md): build
## streamgen, regenerate the example's code if its spec, schemas or the generator changed,
## and run it on an embedded Kafka broker, checking the outputs against the input.
demo: build
	./bin/streamgen generate --spec examples/clickstream/streamgen.yaml
	$(GO) run ./examples/clickstream/cmd/demo

## test: build everything (the golden corpus and examples compile), vet, and run every test,
## the benchmark module's included (its codecs agree, its generated code is current).
test: lint
	$(GO) build ./...
	$(GO) test $(TESTFLAGS) ./...
	cd bench && $(GO) vet ./... && $(GO) test $(TESTFLAGS) ./...

## generate: regenerate the committed generated code (the examples run
## `go tool streamgen generate`, declared as a tool in go.mod).
generate:
	$(GO) generate ./...
	cd bench && $(GO) generate ./...

## golden: rewrite the golden corpus from the current generator.
golden:
	$(GO) test ./golden -run TestGolden -update

## bench: every benchmark BENCHMARKS.md reports (about 5 minutes on 2 cores): the codecs
## against goavro and hamba, the runtime, the clickstream pipeline in process on one core
## (the 1M events/s target), and the Kafka runner against the pass-through ceiling.
bench: bench-codec bench-pipeline bench-kafka

bench-codec:
	cd bench && $(GO) test -run='^$$' -bench=. -benchmem -count=5 ./...
	$(GO) test -run='^$$' -bench=. -benchmem ./runtime/...

bench-pipeline:
	cd examples/clickstream && $(GO) test -run '^$$' -bench 'MinuteViews|Pipeline$$' -benchtime 2000000x -cpu 1 -count 2
	cd examples/clickstream && $(GO) test -run '^$$' -bench DistinctUsers -benchtime 1000000x -cpu 1

bench-kafka:
	$(GO) test ./kafka -run '^$$' -bench 'Ceiling|Runner|Clickstream' -benchtime 1x -count 2
	STREAMGEN_TASK_PARALLELISM=1 $(GO) test ./kafka -run '^$$' -bench 'Clickstream|Runner' -benchtime 1x -count 2
	$(GO) test ./kafka -run '^$$' -bench Restore -benchtime 1x

## lint: gofmt and go vet.
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

build:
	$(GO) build -o bin/streamgen ./cmd/streamgen

## broker: an embedded Kafka broker (kfake) on 127.0.0.1:9092 until Ctrl-C; BROKER_FLAGS="--topics clicks:8,views:8" adds topics.
broker:
	$(GO) run ./cmd/streamgen broker $(BROKER_FLAGS)
