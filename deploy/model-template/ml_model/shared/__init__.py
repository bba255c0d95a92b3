"""What training and inference share: the model's inputs and outputs, named once.

train.py fits the model on the iris measurements in FEATURES order (scikit-learn's
load_iris), and the model answers a class index into CLASSES. Put here any code both sides
need (feature preparation, encoders), so the service prepares a request exactly as training
prepared the data.
"""

FEATURES: tuple[str, ...] = ("sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm")
"""The model's input columns, in the order the model was trained on."""

CLASSES: tuple[str, ...] = ("setosa", "versicolor", "virginica")
"""The species of each class index the model predicts."""
