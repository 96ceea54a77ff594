#!/usr/bin/env bash
# Runs one test and ends its log with its wall time (automake's LOG_COMPILER
# for every test), so tests/run.sh can say how long each group took.
start=$(date +%s%N)
"$@"
rc=$?
echo "wall time: $((($(date +%s%N) - start) / 1000000)) ms"
exit $rc
