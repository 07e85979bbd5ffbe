import contextlib
import csv
import io
import os
import re
import unittest

from support import customers_csv, editor, mlplatform, onnx_model, scratch, unique

PROGRESS = re.compile(r"^execution [0-9a-f]{8} \((train|batch_predict)\): (queued|running) \d{1,3}%$")
ENDED = re.compile(r"^execution [0-9a-f]{8} \((train|batch_predict)\): succeeded 100% in \d+\.\ds$")


class FirstSessionTest(unittest.TestCase):
    """A new user's first session, from a script and without a URL: model, version, dataset, deployment,
    prediction, training and batch scoring."""

    def test_first_session(self):
        mlp = editor()
        folder = scratch(self)
        model, dataset, deployment = unique("churn"), unique("customers"), unique("churn-prod")

        mlp.models.create(model, description="Churn classifier", tags={"team": "growth"})
        version = mlp.models.create_version(model, onnx_model(), metrics={"auc": 0.91})
        mlp.models.set_alias(model, "champion", version["version"])

        uploaded = mlp.datasets.upload(dataset, customers_csv(folder))
        self.assertEqual(uploaded["row_count"], 300)
        types = {c["name"]: c["type"] for c in uploaded["schema"]}
        self.assertEqual((types["plan"], types["region"], types["monthly_usage"]), ("string", "string", "double"))
        rows = mlp.datasets.preview(dataset, limit=20)
        self.assertIsNone(rows[0]["monthly_usage"])  # row 0: an empty cell
        self.assertIsNone(rows[13]["region"])

        mlp.deployments.create(deployment, model, version="champion")
        mlp.deployments.wait_ready(deployment, timeout=60)
        scored = mlp.deployments.predict(deployment, [[0.5, 1.2, 3.4, 0.1]])
        self.assertEqual(len(scored["outputs"][0]["output"]), 2)

        training = mlp.executions.train(dataset, model=unique("churn-spark"), label="churned", exclude=["id"],
                                        missing="mean", params={"maxIter": 30})
        self.assertEqual(training["status"], "queued")
        with self.assertRaises(mlplatform.WaitTimeout) as early:
            mlp.executions.wait(training["id"], timeout=0, progress=False)
        self.assertIn(early.exception.last["status"], ("queued", "running"))
        shown = io.StringIO()  # not a terminal: a line per change
        with contextlib.redirect_stderr(shown):
            trained = mlp.executions.wait(training["id"], timeout=180)
        lines = shown.getvalue().splitlines()
        self.assertTrue(all(PROGRESS.match(line) for line in lines[:-1]), lines)
        self.assertRegex(lines[-1], ENDED)
        self.assertEqual(len(lines), len(set(lines)), "a line per change")
        result = trained["result"]
        self.assertGreater(result["metrics"]["auc"], 0.6)
        self.assertEqual(mlp.models.get_version(result["model"], result["version"])["format"], "spark")

        scoring = mlp.executions.batch_predict(result["model"], dataset, output=unique("churn-scores"))
        shown = io.StringIO()
        with contextlib.redirect_stderr(shown):
            scored = mlp.executions.wait(scoring["id"], timeout=120)
        self.assertRegex(shown.getvalue().splitlines()[-1], ENDED)
        self.assertEqual(scored["result"]["outputs"][0]["row_count"], 300)
        scores = mlp.executions.download_result(scoring["id"], os.path.join(folder, "scores.csv"))
        with open(scores, newline="", encoding="utf-8") as file:
            table = list(csv.DictReader(file))
        self.assertEqual(len(table), 300)
        self.assertIn("prediction", table[0])

        mlp.deployments.delete(deployment)


if __name__ == "__main__":
    unittest.main()
