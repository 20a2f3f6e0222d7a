"""MLflow's scikit-learn flavour: a fitted pipeline logs, loads and serves; autolog records a search."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknnlite
from sknnlite import TinyNetClassifier, TinyNetRegressor

mlflow = pytest.importorskip("mlflow")
pytest.importorskip("mlflow.sklearn")
pytest.importorskip("skops.io")

FAST = dict(hidden_layer_sizes=(6,), epochs=4, random_state=0)


@pytest.fixture
def tracking(tmp_path, monkeypatch):
    """A local file store in tmp_path: no server, nothing left behind."""
    # MLflow 3.14+ keeps the file store behind this switch (its default is an SQLite database, which needs
    # SQLAlchemy: not in mlflow-skinny).
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri((tmp_path / "mlruns").as_uri())
    yield mlflow.MlflowClient()
    mlflow.sklearn.autolog(disable=True)
    if mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(90, 4)) * [1.0, 10.0, 100.0, 0.1]
    y = np.where(X[:, 0] + X[:, 1] / 10 > 0, "yes", "no")
    return X, y


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a few epochs: the network need not converge
        return estimator.fit(X, y)


def test_a_pipeline_logs_and_loads_in_the_skops_format_with_the_public_list(tracking):
    X, y = _data()
    pipe = _fit(make_pipeline(StandardScaler(), TinyNetClassifier(**FAST)), X, y)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            pipe, name="model", serialization_format="skops", skops_trusted_types=sknnlite.trusted_types()
        )
    loaded = mlflow.sklearn.load_model(info.model_uri)
    assert loaded is not pipe
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    assert loaded.get_params()["tinynetclassifier__hidden_layer_sizes"] == (6,)


def test_without_the_list_mlflow_names_sknnlites_types_and_saves_nothing(tmp_path):
    X, y = _data()
    clf = _fit(TinyNetClassifier(**FAST), X, y)
    with pytest.raises(mlflow.exceptions.MlflowException, match=r"untrusted types.*sknnlite\."):
        mlflow.sklearn.save_model(clf, tmp_path / "model", serialization_format="skops")


@pytest.mark.parametrize("frame", [False, True], ids=["ndarray", "DataFrame"])
def test_pyfunc_predicts_what_predict_does(frame, tmp_path):
    """MLflow's generic interface (what `mlflow models serve` runs) in the flavour's default format."""
    X, _ = _data()
    y = X @ [1.0, 0.1, 0.01, 10.0]
    if frame:
        X = pytest.importorskip("pandas").DataFrame(X, columns=["a", "b", "c", "d"])
    reg = _fit(TinyNetRegressor(**FAST), X, y)
    path = tmp_path / "model"
    mlflow.sklearn.save_model(reg, path, skops_trusted_types=sknnlite.trusted_types())
    served = mlflow.pyfunc.load_model(str(path))
    np.testing.assert_array_equal(np.asarray(served.predict(X)), reg.predict(X))


def test_autolog_records_a_grid_search_its_child_runs_and_a_model_that_loads(tracking):
    X, y = _data()
    grid = {"hidden_layer_sizes": [(3,), (6,)], "learning_rate": [0.001, 0.01]}
    search = GridSearchCV(TinyNetClassifier(epochs=4, random_state=0), grid, cv=2)
    mlflow.sklearn.autolog(max_tuning_runs=None)
    with mlflow.start_run() as run, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning and scikit-learn's own from MLflow's metrics
        _fit(search, X, y)
    parent = tracking.get_run(run.info.run_id)
    assert parent.data.params["best_hidden_layer_sizes"] == str(search.best_params_["hidden_layer_sizes"])
    assert parent.data.params["best_learning_rate"] == str(search.best_params_["learning_rate"])
    assert parent.data.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    assert parent.data.metrics["training_score"] == pytest.approx(search.score(X, y))
    proba = search.predict_proba(X)[:, 1]
    assert parent.data.metrics["training_roc_auc"] == pytest.approx(roc_auc_score(y, proba))

    children = tracking.search_runs(
        [run.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{run.info.run_id}'"
    )
    assert len(children) == 4
    recorded = sorted(
        (child.data.params["hidden_layer_sizes"], float(child.data.params["learning_rate"]),
         child.data.metrics["mean_test_score"])
        for child in children
    )  # fmt: skip
    expected = sorted(
        (str(params["hidden_layer_sizes"]), params["learning_rate"], score)
        for params, score in zip(
            search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True
        )
    )
    assert [row[:2] for row in recorded] == [row[:2] for row in expected]
    np.testing.assert_allclose([row[2] for row in recorded], [row[2] for row in expected])

    # MLflow 3 logs models as entities of their own, found by name.
    (logged,) = mlflow.search_logged_models(
        experiment_ids=[run.info.experiment_id], filter_string="name = 'best_estimator'", output_format="list"
    )
    best = mlflow.sklearn.load_model(logged.model_uri)
    np.testing.assert_array_equal(best.predict(X), search.best_estimator_.predict(X))
