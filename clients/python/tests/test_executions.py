import os
import unittest
import uuid

from support import customers_csv, editor, mlplatform, onnx_model, scratch, unique, viewer


class ExecutionsTest(unittest.TestCase):
    """Transform, evaluate, logs, list, cancel and results; what the platform refuses before queueing."""

    @classmethod
    def setUpClass(cls):
        cls.mlp = editor()
        cls.dataset = unique("customers")
        folder = scratch(cls)
        cls.mlp.datasets.upload(cls.dataset, customers_csv(folder, 120))
        features = os.path.join(folder, "features.csv")
        with open(features, "w", encoding="utf-8") as out:
            out.write("f0,f1,f2,f3,label\n")
            for i in range(40):
                a, b = (i % 7) / 3 - 1, (i % 5) / 2 - 1
                out.write(f"{a},{b},0.5,-0.5,{'yes' if a + b > 0 else 'no'}\n")
        cls.features = unique("features")
        cls.mlp.datasets.upload(cls.features, features)
        cls.model = unique("clf")
        cls.mlp.models.create(cls.model)
        cls.mlp.models.create_version(cls.model, onnx_model())

    def test_transform_cancel_and_result(self):
        output = unique("clean")
        queued = self.mlp.executions.transform(self.dataset, [{"filter": "support_calls < 7"},
                                                              {"select": ["id", "plan", "churned"]}],
                                               output, split={"train": 0.8, "seed": 1})
        # the node runs one execution at a time: another one waits in the queue, where a cancel is immediate
        waiting = self.mlp.executions.submit({"type": "train", "dataset": self.dataset, "label": "churned",
                                              "algorithm": "logistic_regression", "model": unique("never")})
        self.assertEqual(self.mlp.executions.cancel(waiting["id"])["status"], "cancelled")
        with self.assertRaises(mlplatform.ExecutionFailed) as failed:
            self.mlp.executions.wait(waiting["id"], timeout=10, progress=False)
        self.assertEqual(failed.exception.result["status"], "cancelled")
        self.assertEqual(self.mlp.executions.wait(waiting["id"], check=False, progress=False)["status"], "cancelled")

        done = self.mlp.executions.wait(queued["id"], timeout=120, progress=False)
        names = sorted(o["dataset"] for o in done["result"]["outputs"])
        self.assertEqual(names, [output + "-test", output + "-train"])
        self.assertEqual(list(self.mlp.datasets.preview(output + "-train", limit=1)[0]), ["id", "plan", "churned"])
        folder = scratch(self)
        result = self.mlp.executions.download_result(queued["id"], os.path.join(folder, "out.csv"))
        with open(result, encoding="utf-8") as file:
            self.assertEqual(file.readline().strip(), "id,plan,churned")
        lines = [entry["line"] for entry in self.mlp.executions.logs(queued["id"])]
        self.assertTrue(lines[0].startswith("attempt 1"), lines)
        self.assertEqual(lines[-1], "succeeded")
        listed = self.mlp.executions.list(status="succeeded", limit=1000)["items"]
        self.assertIn(queued["id"], [e["id"] for e in listed])
        self.assertEqual(self.mlp.executions.get(queued["id"])["status"], "succeeded")
        with self.assertRaises(mlplatform.Conflict) as ended:
            self.mlp.executions.cancel(queued["id"])
        self.assertEqual((ended.exception.status, ended.exception.code), (409, "conflict"))

    def test_evaluate_an_onnx_model(self):
        queued = self.mlp.executions.evaluate(self.model, self.features, model_version=1, label="label",
                                              features=["f0", "f1", "f2", "f3"], labels=["no", "yes"])
        done = self.mlp.executions.wait(queued["id"], timeout=120, progress=False)
        self.assertIn("accuracy", done["result"]["metrics"])
        self.assertEqual(len(self.mlp.models.get_version(self.model, 1)["evaluations"]), 1)

    def test_refusals(self):
        with self.assertRaises(mlplatform.BadRequest) as unknown_column:
            self.mlp.executions.train(self.dataset, model=unique("m"), label="churned", features=["nope"])
        self.assertEqual(unknown_column.exception.code, "invalid_argument")
        self.assertIn("nope", unknown_column.exception.message)
        with self.assertRaises(mlplatform.BadRequest):
            self.mlp.executions.transform(self.dataset, [{"filter": "amount >"}], unique("out"))
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.executions.batch_predict(unique("nomodel"), self.dataset, unique("out"))
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.executions.monitor(unique("nodeployment"), window_minutes=5)
        with self.assertRaises(mlplatform.PermissionDenied):
            viewer().executions.transform(self.dataset, [], unique("out"))
        missing = str(uuid.uuid4())
        for call in (self.mlp.executions.get, self.mlp.executions.logs, self.mlp.executions.cancel):
            with self.assertRaises(mlplatform.NotFound):
                call(missing)
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.executions.download_result(missing, os.path.join(scratch(self), "none.csv"))
        with self.assertRaises(mlplatform.BadRequest):
            self.mlp.executions.list(status="sleeping")


if __name__ == "__main__":
    unittest.main()
