#!/usr/bin/env bash
# Makes the build-report fixtures in test/fixtures/build-reports/<scenario>/ by running the real build checks
# (pytest with pytest-rerunfailures, coverage, diff-cover, mypy, ruff format, api-schema-diff) over the
# inference service in test/fixtures/inference-service/ and its variants. Nothing in there is written by hand;
# jenkins-test-report.json is the scenario's junit.xml mapped by scripts/jenkins-test-report-from-junit.py.
#
# The tools come from PyPI, pinned in test/fixtures/build-reports/requirements.txt, into .venv-reports/.
# Each scenario is built in a throw-away git repository under $TMPDIR: a base commit (the previous release)
# and a change commit (this version), so diff-cover and the contract diff have a base to compare with.
# Needs Python 3.10+ (PYTHON=/path/to/python3 picks another) and git.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
service="$root/test/fixtures/inference-service"
reports="$root/test/fixtures/build-reports"
venv="$root/.venv-reports"
python="${PYTHON:-python3}"
work="${TMPDIR:-/tmp}/model-lifecycle-build-reports"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c '' 2>/dev/null; then
  "$python" -m venv --clear "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$reports/requirements.txt"
bin="$venv/bin"

git_quiet() {
  # Fixed names and dates keep the throw-away history the same from run to run.
  GIT_AUTHOR_NAME=fixture GIT_AUTHOR_EMAIL=fixture@example.com GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' \
    GIT_COMMITTER_NAME=fixture GIT_COMMITTER_EMAIL=fixture@example.com GIT_COMMITTER_DATE='2026-01-01T00:00:00Z' \
    git -c init.defaultBranch=main -c commit.gpgsign=false "$@" >/dev/null
}

# lay_out <dir> <variant...>: the service as committed (the red build), then each variant laid over it.
lay_out() {
  local dir="$1"; shift
  mkdir -p "$dir"
  (cd "$service" && tar --exclude=./variants --exclude=./openapi.base.yaml --exclude='__pycache__' -cf - .) | (cd "$dir" && tar -xf -)
  local variant
  for variant in "$@"; do
    case "$variant" in
      green) # the defects fixed: no failing, flaky or outdated tests; explain.py and the contract as they should be
        rm "$dir/tests/unit/test_threshold.py" "$dir/tests/functional/test_warm_start.py" \
          "$dir"/tests_functional/v1_predict/test_request_02*.json ;;
      no-tests) # a build whose test step collects nothing
        rm "$dir"/tests/unit/test_*.py "$dir"/tests/functional/test_*.py ;;
    esac
    if [ -d "$service/variants/$variant" ]; then cp -R "$service/variants/$variant/." "$dir/"; fi
  done
}

# commit_history <dir> <base contract|-> <path...>: the base commit lacks the paths (the change adds them)
# and has the base contract as openapi.yaml ("-": the contract did not change); the change commit is <dir>.
commit_history() {
  local dir="$1" base_contract="$2"; shift 2
  local stash="$work/.stash"
  rm -rf "$stash" && mkdir -p "$stash"
  git_quiet -C "$dir" init
  local path
  for path in "$@"; do mkdir -p "$stash/$(dirname "$path")" && mv "$dir/$path" "$stash/$path"; done
  if [ "$base_contract" != - ]; then mv "$dir/openapi.yaml" "$stash/openapi.yaml" && cp "$base_contract" "$dir/openapi.yaml"; fi
  git_quiet -C "$dir" add -A && git_quiet -C "$dir" commit -m 'previous release'
  cp -R "$stash/." "$dir/" && rm -rf "$stash"
  git_quiet -C "$dir" add -A && git_quiet -C "$dir" commit -m 'this change'
}

# run_checks <dir> <scenario>: the build's checks, each report into test/fixtures/build-reports/<scenario>/.
run_checks() {
  # Reports go to the work folder first, so the paths the tools print are the same on every machine.
  local dir="$1" out="$work/reports/$2"
  mkdir -p "$out"
  (
    cd "$dir"
    # Two reruns of a failing test, as the build job runs them; a non-zero exit is the point of a red build.
    "$bin/coverage" run -m pytest -p no:cacheprovider --reruns 2 --junitxml="$out/junit.xml" >"$out/pytest.txt" 2>&1 || true
    "$bin/coverage" xml -o "$out/coverage.xml" >/dev/null 2>&1 || true
    if [ -f "$out/coverage.xml" ]; then
      "$bin/diff-cover" "$out/coverage.xml" --compare-branch=HEAD~1 --format "json:$out/diff-cover.json" >/dev/null || true
    fi
    "$bin/mypy" >"$out/mypy_report.txt" 2>&1 || true
    "$bin/ruff" format --check . >"$out/fmt_report.txt" 2>&1 || true
    git show HEAD~1:openapi.yaml >"$work/base-openapi.yaml"
    "$bin/api-schema-diff" "$work/base-openapi.yaml" openapi.yaml --format json --no-fail-on-breaking >"$out/openapi-diff.json"
  )
  if [ -s "$out/junit.xml" ]; then
    "$bin/python" "$root/scripts/jenkins-test-report-from-junit.py" "$out/junit.xml" >"$out/jenkins-test-report.json"
  fi
  rm -rf "${reports:?}/$2" && cp -R "$out" "$reports/$2"
  echo "$2: $(ls "$out" | tr '\n' ' ')"
}

rm -rf "$work" && mkdir -p "$work"
changed=(ml_model/inference/explain.py tests/unit/test_explain.py)

# red: the service as committed, every defect in.
lay_out "$work/red"
commit_history "$work/red" "$service/openapi.base.yaml" "${changed[@]}"
run_checks "$work/red" red

# green: every check passes (one test is skipped on purpose).
lay_out "$work/green" green
commit_history "$work/green" "$service/openapi.base.yaml" "${changed[@]}"
run_checks "$work/green" green

# setup-error: green plus a test whose fixture raises, which pytest reports as an error, not a failure.
lay_out "$work/setup-error" green setup-error
commit_history "$work/setup-error" "$service/openapi.base.yaml" "${changed[@]}" tests/unit/test_model_artifact.py
run_checks "$work/setup-error" setup-error

# no-tests: no test collected (pytest exits 5), a change that touches no Python line (diff-cover has nothing
# to measure) and no contract change.
lay_out "$work/no-tests" green no-tests
commit_history "$work/no-tests" - README.md
run_checks "$work/no-tests" no-tests

{
  echo "Made by scripts/make-build-report-fixtures.sh with $("$bin/python" --version) and:"
  "$bin/python" -m pip freeze --disable-pip-version-check | grep -i -E '^(pytest|pytest-rerunfailures|mypy|ruff|coverage|diff[-_]cover|api-schema-diff)=='
} >"$reports/TOOLS.txt"
