#!/bin/sh
# CI entry point: regenerate, fail on stale generated code, check, vet and
# test, as `make test` does.
set -eu
cd "$(dirname "$0")/.."
make test
