"""Sends each recorded request in tests_functional/v1_predict to the real model and compares the answer.

Needs the model: MODEL_URI, or MODEL_NAME and MODEL_VERSION, with MLFLOW_TRACKING_URI (see
ml_model/inference/inference.py). Add a case by adding test_request_NN.json and the answer
the model must give, test_request_NN_response.json.
"""

import json
from pathlib import Path

import pytest

from ml_model.inference.inference import predict

CASES = Path(__file__).resolve().parents[2] / "tests_functional" / "v1_predict"
REQUESTS = sorted(path for path in CASES.glob("test_request_*.json") if not path.stem.endswith("_response"))


@pytest.mark.parametrize("request_file", REQUESTS, ids=lambda path: path.stem)
def test_predict_answers_as_recorded(request_file: Path) -> None:
    expected = json.loads(request_file.with_name(f"{request_file.stem}_response.json").read_text())
    assert predict(json.loads(request_file.read_text())) == expected
