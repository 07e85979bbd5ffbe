import unittest
import uuid

from support import editor, mlplatform, unique, viewer


class WorkflowsTest(unittest.TestCase):
    """Workflow definitions and runs: start, get, wait, list, cancel; refusals."""

    @classmethod
    def setUpClass(cls):
        cls.mlp = editor()
        cls.model = unique("wf-model")
        cls.mlp.models.create(cls.model, description="for workflows")
        cls.name = unique("describe")
        cls.mlp.workflows.create({
            "name": cls.name, "description": "reads a model and checks it has a description",
            "input_schema": {"type": "object", "required": ["model"], "properties": {"model": {"type": "string"}}},
            "steps": [{"id": "read", "kind": "call", "operation": "model.get", "inputs": {"name": "${input.model}"}},
                      {"id": "check", "kind": "gate", "condition": "${steps.read.description != ''}",
                       "reason": "no description"}],
            "output": "${steps.read.description}"})

    def test_definitions(self):
        got = self.mlp.workflows.get(self.name)
        self.assertEqual(len(got["definition"]["steps"]), 2)
        again = self.mlp.workflows.create({**got["definition"], "name": self.name})
        self.assertEqual(again["version"], 2)
        self.assertEqual(self.mlp.workflows.get(self.name, version=1)["definition"]["description"],
                         got["definition"]["description"])
        self.assertIn(self.name, [w["name"] for w in self.mlp.workflows.list(search=self.name)["items"]])
        examples = [e["name"] for e in self.mlp.workflows.examples()["items"]]
        self.assertIn("train-evaluate-deploy", examples)
        installed = self.mlp.workflows.install_examples()["installed"]
        self.assertEqual(sorted(i["name"] for i in installed), sorted(examples))
        other = unique("gone")
        self.mlp.workflows.create({"name": other, "steps": [{"id": "g", "kind": "gate", "condition": "${true}"}]})
        self.mlp.workflows.delete(other)
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.workflows.get(other)

    def test_run(self):
        started = self.mlp.runs.start(self.name, {"model": self.model})
        self.assertEqual(started["status"], "queued")
        run = self.mlp.runs.wait(started["id"], timeout=60, progress=False)
        self.assertEqual((run["status"], run["output"]), ("succeeded", "for workflows"))
        self.assertEqual([s["status"] for s in run["steps"]], ["succeeded", "succeeded"])
        self.assertEqual(self.mlp.runs.get(started["id"])["status"], "succeeded")
        listed = self.mlp.runs.list(workflow=self.name, status="succeeded")["items"]
        self.assertIn(started["id"], [r["id"] for r in listed])
        with self.assertRaises(mlplatform.Conflict):
            self.mlp.runs.cancel(started["id"])

    def test_cancel(self):
        slow = unique("slow")
        self.mlp.workflows.create({"name": slow, "steps": [
            {"id": "many", "kind": "map", "items": "${[1..300]}", "concurrency": 1,
             "task": {"operation": "model.get", "inputs": {"name": self.model}}},
            {"id": "after", "kind": "gate", "condition": "${true}"}]})
        started = self.mlp.runs.start(slow)
        # a queued run is cancelled at once, a running one asked to stop (its node notices within seconds)
        asked = self.mlp.runs.cancel(started["id"])
        self.assertTrue(asked["status"] == "cancelled" or asked["cancel_requested"], asked)

    def test_refusals(self):
        with self.assertRaises(mlplatform.BadRequest) as bad_input:
            self.mlp.runs.start(self.name, {"modle": self.model})
        self.assertEqual(bad_input.exception.code, "invalid_argument")
        failed = self.mlp.runs.start(self.name, {"model": unique("missing")})
        with self.assertRaises(mlplatform.ExecutionFailed) as failure:
            self.mlp.runs.wait(failed["id"], timeout=60, progress=False)
        self.assertEqual(failure.exception.result["error"]["code"], "not_found")
        with self.assertRaises(mlplatform.PermissionDenied):
            viewer().runs.start(self.name, {"model": self.model})
        with self.assertRaises(mlplatform.BadRequest) as bad_step:
            self.mlp.workflows.create({"name": unique("bad"), "steps": [{"id": "x", "kind": "call",
                                                                         "operation": "nothing.at_all"}]})
        self.assertEqual(bad_step.exception.details.get("step"), "x")
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.runs.get(str(uuid.uuid4()))
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.runs.start(unique("noworkflow"))


if __name__ == "__main__":
    unittest.main()
