"""Trains the model and logs it to MLflow.

The pipeline runs it with these environment variables:

  MLFLOW_TRACKING_URI     tracking server, e.g. https://mlflow.example.com
  MLFLOW_EXPERIMENT_NAME  experiment to log into: the model name
  JIRA_KEY, BUILD_KEY, GIT_COMMIT, BUILD_URL, MODEL_NAME, MODEL_VERSION
                          written to the run as the tags jira_key, build_key, git_commit,
                          jenkins_build_url, model_name and model_version
  MLFLOW_RUN_ID_FILE      optional: a file to write the run id to

Hyperparameters:

  SVC_C       regularisation strength (default 1.0)
  SVC_KERNEL  linear, rbf, poly or sigmoid (default linear)

The defaults give recall 1.0 on the test split. SVC_C=0.001 SVC_KERNEL=poly underfits
(recall 0.711, every time: the split and the solver are deterministic), for seeing the
recall gate (train_metrics.recall.min = 0.9 in model.toml) fail on a real run.

The last line printed is MLFLOW_RUN_ID=<run id>.
"""

import os
from pathlib import Path

import mlflow
import mlflow.sklearn
from mlflow.models import infer_signature
from sklearn import datasets, svm
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import train_test_split

RANDOM_STATE = 42
# The repository's requirements.txt is also what the logged model needs to be served.
REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"

RUN_TAGS = {
    "jira_key": "JIRA_KEY",
    "build_key": "BUILD_KEY",
    "git_commit": "GIT_COMMIT",
    "jenkins_build_url": "BUILD_URL",
    "model_name": "MODEL_NAME",
    "model_version": "MODEL_VERSION",
}


def main() -> None:
    params = {
        "C": float(os.environ.get("SVC_C", "1.0")),
        "kernel": os.environ.get("SVC_KERNEL", "linear"),
        "random_state": RANDOM_STATE,
    }

    x, y = datasets.load_iris(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, stratify=y, random_state=RANDOM_STATE)

    mlflow.set_experiment(os.environ["MLFLOW_EXPERIMENT_NAME"])
    with mlflow.start_run() as run:
        mlflow.set_tags({tag: os.environ[var] for tag, var in RUN_TAGS.items() if os.environ.get(var)})
        mlflow.log_params({**params, "test_size": 0.3})

        model = svm.SVC(**params).fit(x_train, y_train)
        predicted = model.predict(x_test)
        mlflow.log_metrics(
            {
                "recall": recall_score(y_test, predicted, average="macro"),
                "precision": precision_score(y_test, predicted, average="macro", zero_division=0),
                "f1": f1_score(y_test, predicted, average="macro", zero_division=0),
            }
        )
        mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(x_train, model.predict(x_train)),
            pip_requirements=str(REQUIREMENTS),
        )

    run_id = run.info.run_id
    if os.environ.get("MLFLOW_RUN_ID_FILE"):
        with open(os.environ["MLFLOW_RUN_ID_FILE"], "w", encoding="utf-8") as file:
            file.write(run_id + "\n")
    print(f"MLFLOW_RUN_ID={run_id}")


if __name__ == "__main__":
    main()
