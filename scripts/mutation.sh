#!/usr/bin/env bash
# Mutation testing of the engine (operators, aggregation, windows, expressions) with Stryker.NET (a local dotnet
# tool, pinned in .config/dotnet-tools.json). Not part of ./test.sh: it builds once and runs the engine tests that
# cover each mutant. Run it file by file on a shared machine. See docs/testing.md.
#
#   scripts/mutation.sh                                   # every engine folder, report in artifacts/mutation/all/
#   scripts/mutation.sh Operators/TopNOperator.cs         # one file (path under src/Reactive), report in
#                                                         #   artifacts/mutation/TopNOperator/
#   scripts/mutation.sh Aggregation/Accumulators.cs Aggregation/OrderedAccumulator.cs   # several, one report
#   scripts/mutation.sh Operators Aggregation Windows     # whole folders, report in artifacts/mutation/Operators+...
#   MUTATION_CONCURRENCY=2 scripts/mutation.sh ...        # default 1; runs under nice -n 19
#   MUTATION_NICE=-5 taskset -c 0 scripts/mutation.sh ... # a dedicated core on a machine shared with other work
#   MUTATION_ARGS='--since:main' scripts/mutation.sh ...  # extra Stryker options
#   MUTATION_ONLY=Survived,NoCoverage scripts/mutation.sh ...  # only the mutants that had these statuses
#                                                         #   (docs/mutation-results.json and the reports), after new
#                                                         #   tests; report in artifacts/mutation/<name>@only/
#   MUTATION_FILTER='FullyQualifiedName~SourceOperatorTests' scripts/mutation.sh ...   # only these tests (a dotnet
#                                                         #   test filter): adds the kills per-test coverage missed;
#                                                         #   report in artifacts/mutation/<name>@filtered/ (or @$MUTATION_TAG)
set -uo pipefail
cd "$(dirname "$0")/.."

dotnet tool restore >/dev/null

# Builds the test project with the tests run one at a time (SerialUnderMutationTesting.cs): Stryker's per-test
# coverage is only exact when no two tests run at once.
export SLUICE_MUTATION_RUN=1

mutate=()
selected=("$@")
if [ "$#" -eq 0 ]; then
  name=all
  selected=(Operators Aggregation Windows Expressions)
  for folder in "${selected[@]}"; do
    mutate+=(--mutate "**/src/Reactive/$folder/**/*.cs")
  done
else
  name=""
  for file in "$@"; do
    if [ -d "src/Reactive/$file" ]; then
      mutate+=(--mutate "**/src/Reactive/$file/**/*.cs")
    else
      [ -f "src/Reactive/$file" ] || { echo "no such file or folder: src/Reactive/$file" >&2; exit 2; }
      mutate+=(--mutate "**/src/Reactive/$file")
    fi
    base=$(basename "$file" .cs)
    name=${name:+$name+}$base
  done
fi

# A run of some statuses' mutants: each file's pattern gets the character span of each such mutant (a file
# changed since it was measured is run whole).
if [ -n "${MUTATION_ONLY:-}" ]; then
  mutate=()
  while read -r pattern; do
    file=${pattern%%\{*}
    for chosen in "${selected[@]}"; do
      if [[ $file == "$chosen" || $file == "$chosen"/* ]]; then mutate+=(--mutate "**/src/Reactive/$pattern"); break; fi
    done
  done < <(python3 scripts/mutation-score.py --spans "$MUTATION_ONLY" 2>/dev/null)
  [ "${#mutate[@]}" -gt 0 ] || { echo "no mutant with status $MUTATION_ONLY in these files" >&2; exit 0; }
  name="$name@only"
fi

# A filtered run keeps its report beside the full run's, not over it (MUTATION_TAG names it).
[ -n "${MUTATION_FILTER:-}" ] && name="$name@${MUTATION_TAG:-filtered}"
output="$PWD/artifacts/mutation/$name"
mkdir -p "$output"

# The parser's deep-nesting tests recurse close to the stack limit on purpose; under Stryker's instrumented
# build they overflow it and take the whole test host down, so they are left out here (they still run in ./test.sh).
# MUTATION_FILTER replaces the filter (docs/testing.md, "Per-test coverage loses whole test classes").
filter="${MUTATION_FILTER:-FullyQualifiedName!~CompileErrorTests.A_hundred_thousand_nested_parentheses&FullyQualifiedName!~CompileErrorTests.Deep_nesting&FullyQualifiedName!~CompileErrorTests.Long_operator_chains&FullyQualifiedName!~CompileErrorTests.Deeply_nested_subqueries}"

cd tests/Sluice.Reactive.Tests
log="$output/stryker.log"
# Stryker's project analysis (Buildalyzer) sometimes fails on a loaded machine with "Could not find build
# environment" before anything is built; that is retried, up to three attempts.
for attempt in 1 2 3; do
  status=0
  # shellcheck disable=SC2086  # MUTATION_ARGS is a list of options
  nice -n "${MUTATION_NICE:-19}" dotnet stryker \
    --project Sluice.Reactive.csproj \
    --configuration Release \
    "${mutate[@]}" \
    --test-case-filter "$filter" \
    --concurrency "${MUTATION_CONCURRENCY:-1}" \
    --reporter dots --reporter cleartext --reporter html --reporter json \
    --output "$output" \
    ${MUTATION_ARGS:-} 2>&1 | tee "$log" || status=$?
  grep -q "Could not find build environment" "$log" || exit "$status"
  echo "Stryker's project analysis failed (attempt $attempt); retrying" >&2
done
exit 1
