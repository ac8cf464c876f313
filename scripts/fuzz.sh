#!/bin/sh
# fuzz.sh runs every fuzz target of dropbox-post (every "func FuzzX" in a
# _test.go file) for FUZZTIME each (default 30s), one after another, and
# prints a table: target, result, executions, new interesting inputs.
#
#   scripts/fuzz.sh                 # make fuzz
#   FUZZTIME=5m scripts/fuzz.sh
#   FUZZTIME=10s scripts/fuzz.sh FuzzClean   # only the targets named
#
# A failure makes go test save the input under the package's
# testdata/fuzz/<Target>/; fix the bug and commit that file, and it runs as
# a seed in every `go test` from then on. The exit status is 1 if any
# target failed.
#
# Go 1.26's fuzz coordinator can end a time-limited run with a bare
# "context deadline exceeded" failure when -fuzztime expires while a worker
# is mid-input (go.dev/issue/75804, fixed in Go 1.27); slow targets such as
# FuzzOpen (Argon2id) hit it often. Such an end, with no failing input
# written, is reported as "ok*", not as a failure.
set -u
cd "$(dirname "$0")/.." || exit 2
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
logs=$(mktemp -d "${TMPDIR:-/tmp}/dropbox-post-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$logs"' EXIT

# Every package directory with a fuzz target, and its targets.
targets=$(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . |
	grep -v '/node_modules/' |
	while read -r f; do
		for t in $(sed -n -E 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/p' "$f"); do
			echo "./$(dirname "${f#./}") $t"
		done
	done | sort -u)
if [ $# -gt 0 ]; then
	want=" $* "
	targets=$(echo "$targets" | while read -r pkg t; do
		case "$want" in *" $t "*) echo "$pkg $t" ;; esac
	done)
fi
if [ -z "$targets" ]; then
	echo "fuzz.sh: no fuzz target found${1:+ named $*}" >&2
	exit 2
fi

echo "fuzzing each target for $FUZZTIME"
failed=0
flaked=0
summary=$(printf '%-36s %-26s %-6s %12s %8s\n' package target result execs new)
for line in $(echo "$targets" | tr ' ' '|'); do
	pkg=${line%|*}
	t=${line#*|}
	log="$logs/$t.log"
	corpus="$pkg/testdata/fuzz/$t"
	before=$(ls "$corpus" 2>/dev/null)
	echo "== $pkg $t"
	if "$GO" test -run '^$' -fuzz "^$t\$" -fuzztime "$FUZZTIME" "$pkg" >"$log" 2>&1; then
		result=ok
	elif [ "$(ls "$corpus" 2>/dev/null)" = "$before" ] &&
		[ "$(sed -n '/^--- FAIL/{n;p;}' "$log" | sed 's/^ *//')" = "context deadline exceeded" ]; then
		result='ok*'
		flaked=1
	else
		result=FAIL
		failed=1
		sed -n '/--- FAIL/,$p' "$log" | head -40
	fi
	# The last progress line: "fuzz: elapsed: 30s, execs: 123 (4/sec), new interesting: 2 (total: 40)"
	last=$(grep -E '^fuzz: elapsed: .*execs: ' "$log" | tail -1)
	execs=$(echo "$last" | sed -n -E 's/.*execs: ([0-9]+).*/\1/p')
	new=$(echo "$last" | sed -n -E 's/.*new interesting: ([0-9]+).*/\1/p')
	summary="$summary
$(printf '%-36s %-26s %-6s %12s %8s' "$pkg" "$t" "$result" "${execs:--}" "${new:--}")"
done
echo
echo "$summary"
if [ "$flaked" -ne 0 ]; then
	echo "ok*: ended by Go's fuzztime deadline race (go.dev/issue/75804), no failing input found"
fi
if [ "$failed" -ne 0 ]; then
	echo
	echo "fuzz.sh: a target failed; its input is under the package's testdata/fuzz/ (see above)" >&2
fi
exit "$failed"
