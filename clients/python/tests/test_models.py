import filecmp
import os
import unittest

from support import editor, mlplatform, onnx_model, pmml_model, scratch, unique, viewer


class ModelsTest(unittest.TestCase):
    """Models, versions and aliases: every method, and the platform's refusals as exceptions."""

    def setUp(self):
        self.mlp = editor()
        self.name = unique("churn")

    def test_model_lifecycle(self):
        created = self.mlp.models.create(self.name, description="Churn classifier", tags={"team": "growth"})
        self.assertEqual(created["name"], self.name)
        self.assertEqual(self.mlp.models.get(self.name)["tags"], {"team": "growth"})
        listed = self.mlp.models.list(search=self.name)
        self.assertEqual([m["name"] for m in listed["items"]], [self.name])
        self.assertEqual(listed["total"], 1)
        self.assertEqual(self.mlp.models.update(self.name, description="v2")["description"], "v2")
        self.assertIsNone(self.mlp.models.delete(self.name))
        with self.assertRaises(mlplatform.NotFound) as refused:
            self.mlp.models.get(self.name)
        self.assertEqual((refused.exception.status, refused.exception.code), (404, "not_found"))
        self.assertIn(self.name, refused.exception.message)

    def test_versions_aliases_and_artifacts(self):
        self.mlp.models.create(self.name)
        onnx = self.mlp.models.create_version(self.name, onnx_model(), metrics={"auc": 0.91}, params={"epochs": 20},
                                              description="first")
        self.assertEqual((onnx["version"], onnx["format"]), (1, "onnx"))
        self.assertEqual(onnx["signature"]["inputs"][0]["name"], "input")
        self.assertEqual(onnx["metrics"], {"auc": 0.91})
        pmml = self.mlp.models.create_version(self.name, pmml_model(), format="pmml")
        self.assertEqual((pmml["version"], pmml["format"]), (2, "pmml"))
        llm = self.mlp.models.create_llm_version(self.name, "llama-3.1-8b-instant", parameters={"temperature": 0})
        self.assertEqual((llm["version"], llm["format"]), (3, "llm"))
        self.assertEqual([v["version"] for v in self.mlp.models.list_versions(self.name)["items"]], [1, 2, 3])

        self.assertEqual(self.mlp.models.set_alias(self.name, "champion", 1)["aliases"], {"champion": 1})
        self.assertEqual(self.mlp.models.get_version(self.name, "champion")["format"], "onnx")
        self.assertEqual(self.mlp.models.get_version(self.name)["version"], 3)  # latest
        folder = scratch(self)
        downloaded = self.mlp.models.download_artifact(self.name, "champion", os.path.join(folder, "model.onnx"))
        self.assertTrue(filecmp.cmp(downloaded, onnx_model(), shallow=False))
        self.mlp.models.delete_alias(self.name, "champion")
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.models.get_version(self.name, "champion")

    def test_refusals(self):
        with self.assertRaises(mlplatform.PermissionDenied) as refused:
            viewer().models.create(self.name)
        self.assertEqual((refused.exception.status, refused.exception.code), (403, "permission_denied"))
        self.assertIn("write", refused.exception.message)

        self.mlp.models.create(self.name)
        with self.assertRaises(mlplatform.Conflict) as taken:
            self.mlp.models.create(self.name)
        self.assertEqual(taken.exception.code, "conflict")
        with self.assertRaises(mlplatform.BadRequest) as bad_name:
            self.mlp.models.create("../etc")
        self.assertEqual((bad_name.exception.status, bad_name.exception.code), (400, "invalid_argument"))

        folder = scratch(self)
        not_onnx = os.path.join(folder, "broken.onnx")
        with open(not_onnx, "wb") as out:
            out.write(b"not a model at all")
        with self.assertRaises(mlplatform.BadRequest):
            self.mlp.models.create_version(self.name, not_onnx)
        self.assertEqual(self.mlp.models.list_versions(self.name)["total"], 0)  # nothing left behind
        with self.assertRaises(ValueError):
            self.mlp.models.create_version(self.name, os.path.join(folder, "model.bin"))
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.models.set_alias(self.name, "champion", 7)
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.models.delete_alias(self.name, "nobody")
        with self.assertRaises(mlplatform.BadRequest):
            self.mlp.models.create_llm_version(self.name, "m", api_key_env="HOME")
        target = os.path.join(folder, "none.onnx")
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.models.download_artifact(self.name, 1, target)
        self.assertFalse(os.path.exists(target) or os.path.exists(target + ".part"))
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.models.update(unique("nobody"), description="x")
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.models.delete(unique("nobody"))
        self.assertEqual(len(self.mlp.models.list(limit=1)["items"]), 1)


if __name__ == "__main__":
    unittest.main()
