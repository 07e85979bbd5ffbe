import unittest

from support import editor, mlplatform, onnx_model, unique, viewer

ROW = [0.5, 1.2, 3.4, 0.1]


class FakeArray:
    """What the client uses of a numpy array, for machines without numpy."""

    def __init__(self, rows):
        self.rows = rows

    def tolist(self):
        return self.rows


class DeploymentsTest(unittest.TestCase):
    """A deployment of an ONNX version: ready, predictions in every shape the client takes, V2, scaling."""

    @classmethod
    def setUpClass(cls):
        cls.mlp = editor()
        cls.model = unique("clf")
        cls.name = unique("clf-prod")
        cls.mlp.models.create(cls.model)
        cls.mlp.models.create_version(cls.model, onnx_model())
        created = cls.mlp.deployments.create(cls.name, cls.model, version=1, batching={"max_batch_size": 64})
        assert created["name"] == cls.name, created
        cls.ready = cls.mlp.deployments.wait_ready(cls.name, timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.mlp.deployments.delete(cls.name)

    def test_ready_and_listed(self):
        self.assertEqual(self.ready["status"], "ready")
        self.assertEqual(self.ready["replica_status"][0]["status"], "ready")
        self.assertEqual(self.mlp.deployments.get(self.name)["model"], self.model)
        self.assertIn(self.name, [d["name"] for d in self.mlp.deployments.list(limit=1000)["items"]])

    def test_predict(self):
        answer = self.mlp.deployments.predict(self.name, [ROW, [0.0, 0.0, 0.0, 0.0]])
        self.assertEqual((answer["deployment"], answer["model"], answer["version"]), (self.name, self.model, 1))
        self.assertEqual(len(answer["outputs"]), 2)
        self.assertEqual(len(answer["outputs"][0]["output"]), 2)
        self.assertAlmostEqual(sum(answer["outputs"][0]["output"]), 1.0, places=4)
        as_objects = self.mlp.deployments.predict(self.name, [{"input": ROW}])
        self.assertEqual(as_objects["outputs"], answer["outputs"][:1])
        self.assertEqual(self.mlp.deployments.predict(self.name, FakeArray([ROW]))["outputs"], answer["outputs"][:1])
        try:
            import numpy
        except ImportError:
            return
        rows = numpy.array([ROW], dtype=numpy.float32)
        self.assertEqual(len(self.mlp.deployments.predict(self.name, rows)["outputs"]), 1)

    def test_infer(self):
        answer = self.mlp.deployments.infer(self.name, {"input": [ROW]})
        self.assertEqual(answer["model_name"], self.name)
        output = answer["outputs"][0]
        self.assertEqual((output["name"], output["shape"], output["datatype"]), ("output", [1, 2], "FP32"))
        tensors = [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": ROW}]
        versioned = self.mlp.deployments.infer(self.name, tensors, version=1, outputs=["output"], id="r-1")
        self.assertEqual((versioned["id"], versioned["model_version"]), ("r-1", "1"))
        self.assertEqual(versioned["outputs"][0]["data"], output["data"])

    def test_scale(self):
        self.assertEqual(self.mlp.deployments.scale(self.name, 2)["replicas"], 2)
        scaled = self.mlp.deployments.wait_ready(self.name, timeout=60)
        self.assertEqual(len([r for r in scaled["replica_status"] if r["status"] == "ready"]), 2)
        self.assertEqual(self.mlp.deployments.update(self.name, replicas=1, attempt_timeout_ms=5000)
                         ["attempt_timeout_ms"], 5000)

    def test_refusals(self):
        with self.assertRaises(mlplatform.BadRequest) as bad:
            self.mlp.deployments.predict(self.name, [[1.0, 2.0]])
        self.assertEqual((bad.exception.status, bad.exception.code), (400, "invalid_argument"))
        self.assertIn("input", bad.exception.message)
        with self.assertRaises(mlplatform.NotFound) as unknown:
            self.mlp.deployments.predict(unique("nowhere"), [ROW])
        self.assertEqual(unknown.exception.code, "not_found")
        with self.assertRaises(mlplatform.NotFound) as v2:
            self.mlp.deployments.infer(unique("nowhere"), {"input": [ROW]})
        self.assertEqual((v2.exception.status, v2.exception.code), (404, "not_found"))  # V2's {"error": "message"}
        self.assertTrue(v2.exception.message)
        with self.assertRaises(mlplatform.PermissionDenied):
            viewer().deployments.create(unique("d"), self.model)
        with self.assertRaises(mlplatform.PermissionDenied):
            viewer().deployments.predict(self.name, [ROW])
        with self.assertRaises(mlplatform.BadRequest):
            self.mlp.deployments.scale(self.name, 99)
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.deployments.delete(unique("nowhere"))
        with self.assertRaises(mlplatform.PayloadTooLarge):
            self.mlp.deployments.predict(self.name, [ROW] * 10_001)
        with self.assertRaises(ValueError):
            self.mlp.deployments.predict(self.name, [[float("inf"), 0, 0, 0]])


if __name__ == "__main__":
    unittest.main()
