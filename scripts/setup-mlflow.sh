#!/usr/bin/env bash
# Installs MLflow (server, client and scikit-learn flavour) into .venv-mlflow/ in the project
# root, for the integration tests' MLflow server and the model template's training script.
# Idempotent: a venv that already has the pinned versions is left alone.
# Needs Python 3.10+ (PYTHON=/path/to/python3 picks another) and PyPI, nothing else.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-mlflow"
requirements="$root/deploy/model-template/requirements.txt"
python="${PYTHON:-python3}"

# The pins, read from the template's requirements: "mlflow==3.17.2 scikit-learn==1.9.1".
pins="$(grep -E '^[A-Za-z0-9_.-]+==' "$requirements" | tr '\n' ' ')"
pins="${pins% }"

installed() {
  "$venv/bin/python" - "$@" 2>/dev/null <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    sys.exit(0 if all(version(n) == v for n, v in (p.split("==") for p in sys.argv[1:])) else 1)
except PackageNotFoundError:
    sys.exit(1)
PY
}

# shellcheck disable=SC2086 # one word per pin
if [ -x "$venv/bin/python" ] && installed $pins; then
  echo "MLflow is installed in $venv ($pins)"
  exit 0
fi

command -v "$python" >/dev/null || { echo "setup-mlflow: $python not found; install Python 3.10+ or set PYTHON" >&2; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || { echo "setup-mlflow: MLflow 3 needs Python 3.10+, $python is $("$python" --version 2>&1)" >&2; exit 1; }

started=$(date +%s)
# A venv whose interpreter is gone (Python upgraded, copied tree) is rebuilt from scratch.
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c '' 2>/dev/null; then
  "$python" -m venv --clear "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
# shellcheck disable=SC2086
installed $pins || { echo "setup-mlflow: pip finished but $venv does not have $pins" >&2; exit 1; }
echo "MLflow installed in $venv ($pins) in $(( $(date +%s) - started )) s"
