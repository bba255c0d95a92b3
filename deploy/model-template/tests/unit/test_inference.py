"""predict's handling of requests, with a stand-in model: no MLflow needed."""

from typing import Any

import numpy as np
import pytest

from ml_model.inference.inference import PredictRequest, model_uri, predict, to_matrix


class EchoFirstFeature:
    """Answers the first feature of each row, as a class index."""

    def predict(self, data: Any) -> Any:
        return np.asarray(data)[:, 0].astype(int)


def flower(first: float) -> dict[str, float]:
    return {"sepal_length_cm": first, "sepal_width_cm": 3.0, "petal_length_cm": 1.5, "petal_width_cm": 0.2}


def test_predict_names_the_species_of_each_instance_in_order() -> None:
    answer = predict({"instances": [flower(2), flower(0)]}, model=EchoFirstFeature())
    assert answer == {"predictions": [{"class_id": 2, "species": "virginica"}, {"class_id": 0, "species": "setosa"}]}


def test_features_go_to_the_model_in_training_order() -> None:
    request: PredictRequest = {
        "instances": [{"petal_width_cm": 4.0, "petal_length_cm": 3.0, "sepal_width_cm": 2.0, "sepal_length_cm": 1.0}]
    }
    assert to_matrix(request).tolist() == [[1.0, 2.0, 3.0, 4.0]]


def test_a_missing_feature_is_named() -> None:
    with pytest.raises(ValueError, match="instances\\[0\\] lacks petal_width_cm"):
        to_matrix({"instances": [{"sepal_length_cm": 1.0, "sepal_width_cm": 2.0, "petal_length_cm": 3.0}]})


def test_the_model_uri_falls_back_to_the_registered_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODEL_URI", raising=False)
    monkeypatch.setenv("MODEL_NAME", "iris-classifier")
    monkeypatch.setenv("MODEL_VERSION", "3")
    assert model_uri() == "models:/iris-classifier/3"
