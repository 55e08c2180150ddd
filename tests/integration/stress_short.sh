#!/usr/bin/env bash
# The short profile of ci/stress.sh in make test: churn of 8 x 25 cycles, 4 x 16 MiB logs, and
# every exit-status, reaping, fault, bad-input, hostile-rootfs and isolation case of the long
# one (make stress). Its summary.csv goes to a temp dir, removed afterwards.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
out=$(mktemp -d /tmp/hoglab-stress.XXXXXX)
trap 'rm -rf "$out"' EXIT
"$TOP/ci/stress.sh" --profile short --out "$out"
