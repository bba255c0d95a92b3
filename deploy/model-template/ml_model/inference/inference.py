"""Loads the model MLflow logged for this repository and answers predict requests.

The inference service calls predict(request) for each POST /v1/predict (see openapi.yaml).
The model is the MLflow pyfunc model training logged, loaded once per process from:

  MODEL_URI               e.g. models:/iris-classifier/3 or runs:/<run id>/model; else
  MODEL_NAME, MODEL_VERSION
                          the registered version models:/<MODEL_NAME>/<MODEL_VERSION>
                          (the build job passes both)
  MLFLOW_TRACKING_URI     the MLflow server the model is registered in (for models:/ and
                          runs:/ URIs), with MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD
                          when it needs authentication
"""

import os
from functools import lru_cache
from typing import Any, Protocol, TypedDict

import numpy as np

from ml_model.shared import CLASSES, FEATURES


class Model(Protocol):
    """What predict needs of a model: mlflow.pyfunc.PyFuncModel has it."""

    def predict(self, data: Any) -> Any: ...


class PredictRequest(TypedDict):
    """The POST /v1/predict body: one or more flowers, each with every feature in FEATURES."""

    instances: list[dict[str, float]]


class Prediction(TypedDict):
    """The answer for one flower."""

    class_id: int
    species: str


class PredictResponse(TypedDict):
    """The POST /v1/predict answer: one prediction per instance, in request order."""

    predictions: list[Prediction]


def model_uri() -> str:
    """The MLflow URI of the model to serve, from the environment."""
    uri = os.environ.get("MODEL_URI", "").strip()
    if uri:
        return uri
    name = os.environ.get("MODEL_NAME", "").strip()
    version = os.environ.get("MODEL_VERSION", "").strip()
    if name and version:
        return f"models:/{name}/{version}"
    raise RuntimeError("set MODEL_URI (e.g. models:/iris-classifier/3), or MODEL_NAME and MODEL_VERSION")


@lru_cache(maxsize=1)
def load_model() -> Model:
    """The pyfunc model at model_uri(), loaded on first use and kept."""
    import mlflow.pyfunc  # imported here: tests that pass their own model need no MLflow

    model: Model = mlflow.pyfunc.load_model(model_uri())
    return model


def to_matrix(request: PredictRequest) -> np.ndarray:
    """The request's instances as the model's input: float64 rows in FEATURES order."""
    instances = request.get("instances")
    if not isinstance(instances, list) or not instances:
        raise ValueError("instances must be a non-empty list")
    rows = []
    for index, instance in enumerate(instances):
        missing = [name for name in FEATURES if name not in instance]
        if missing:
            raise ValueError(f"instances[{index}] lacks {', '.join(missing)}")
        rows.append([float(instance[name]) for name in FEATURES])
    return np.asarray(rows, dtype=np.float64)


def predict(request: PredictRequest, model: Model | None = None) -> PredictResponse:
    """Answers one predict request; ValueError names what is wrong with a bad request."""
    classes = (model or load_model()).predict(to_matrix(request))
    return {
        "predictions": [
            {"class_id": int(label), "species": CLASSES[int(label)]} for label in np.asarray(classes).ravel()
        ]
    }
