import filecmp
import os
import unittest

from support import customers_csv, editor, mlplatform, scratch, unique, viewer

CSV = 'id,amount,active,city\n1,10.5,true,Lyon\n2,,false,"Aix, en Provence"\n3,7,true,\n'


class FakeFrame:
    """What the client uses of a pandas DataFrame, for machines without pandas."""

    columns = ["x", "label"]

    def to_csv(self, path, index=True):
        with open(path, "w", encoding="utf-8") as out:
            out.write("x,label\n1.5,a\n,b\n")

    def to_dict(self, orient="dict"):
        return [{"x": 1.5, "label": "a"}, {"x": float("nan"), "label": "b"}]


class DatasetsTest(unittest.TestCase):
    """Datasets from files (and DataFrames), versions, previews and downloads."""

    def setUp(self):
        self.mlp = editor()
        self.folder = scratch(self)
        self.name = unique("customers")
        self.file = os.path.join(self.folder, "customers.csv")
        with open(self.file, "w", encoding="utf-8") as out:
            out.write(CSV)

    def test_upload_preview_download(self):
        first = self.mlp.datasets.upload(self.name, self.file, description="CRM export")
        self.assertEqual((first["version"], first["row_count"], first["size"]), (1, 3, len(CSV)))
        self.assertEqual([(c["name"], c["type"]) for c in first["schema"]],
                         [("id", "integer"), ("amount", "double"), ("active", "boolean"), ("city", "string")])
        second = self.mlp.datasets.upload(self.name, customers_csv(scratch(self), 40))  # the name exists: version 2
        self.assertEqual((second["version"], second["row_count"]), (2, 40))

        rows = self.mlp.datasets.preview(self.name, version=1, limit=3)
        self.assertEqual(rows[0], {"id": 1, "amount": 10.5, "active": True, "city": "Lyon"})
        self.assertIsNone(rows[1]["amount"])
        self.assertEqual(rows[1]["city"], "Aix, en Provence")
        self.assertIsNone(rows[2]["city"])
        self.assertEqual(len(self.mlp.datasets.preview(self.name, limit=5)), 5)  # latest: version 2

        self.assertEqual(self.mlp.datasets.get(self.name)["description"], "CRM export")
        self.assertEqual([v["version"] for v in self.mlp.datasets.list_versions(self.name)["items"]], [1, 2])
        self.assertEqual(self.mlp.datasets.get_version(self.name, 1)["sha256"], first["sha256"])
        self.assertEqual(self.mlp.datasets.get_version(self.name)["version"], 2)
        self.assertEqual([d["name"] for d in self.mlp.datasets.list(search=self.name)["items"]], [self.name])

        copy = self.mlp.datasets.download(self.name, os.path.join(self.folder, "copy.csv"), version=1)
        self.assertTrue(filecmp.cmp(copy, self.file, shallow=False))
        self.mlp.datasets.delete(self.name)
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.datasets.get(self.name)

    def test_explicit_create_and_version(self):
        self.assertEqual(self.mlp.datasets.create(self.name, self.file)["version"]["version"], 1)
        jsonl = os.path.join(self.folder, "more.data")
        with open(jsonl, "w", encoding="utf-8") as out:
            out.write('{"id": 4, "amount": 1.0, "active": false, "city": "Nice"}\n')
        added = self.mlp.datasets.create_version(self.name, jsonl, format="jsonl")
        self.assertEqual((added["version"], added["row_count"], added["format"]), (2, 1, "jsonl"))
        with self.assertRaises(mlplatform.Conflict):
            self.mlp.datasets.create(self.name, self.file)

    def test_data_frames(self):
        uploaded = self.mlp.datasets.upload(self.name, FakeFrame())
        self.assertEqual(uploaded["row_count"], 2)
        self.assertEqual(self.mlp.datasets.preview(self.name)[1], {"x": None, "label": "b"})
        try:
            import pandas  # noqa: F401
        except ImportError:
            with self.assertRaisesRegex(ImportError, "pip install pandas"):
                self.mlp.datasets.preview_frame(self.name)
            return
        frame = self.mlp.datasets.preview_frame(self.name)
        self.assertEqual(list(frame.columns), ["x", "label"])
        self.assertEqual(self.mlp.datasets.upload(self.name, frame)["row_count"], 2)

    def test_refusals(self):
        with self.assertRaises(mlplatform.PermissionDenied) as refused:
            viewer().datasets.upload(self.name, self.file)
        self.assertEqual(refused.exception.code, "permission_denied")
        ragged = os.path.join(self.folder, "ragged.csv")
        with open(ragged, "w", encoding="utf-8") as out:
            out.write("a,b\n1,2,3\n")
        with self.assertRaises(mlplatform.BadRequest) as bad:
            self.mlp.datasets.upload(self.name, ragged)
        self.assertEqual((bad.exception.status, bad.exception.code), (400, "invalid_argument"))
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.datasets.get(self.name)  # nothing left behind
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.datasets.preview(self.name)
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.datasets.create_version(self.name, self.file)
        with self.assertRaises(mlplatform.NotFound):
            self.mlp.datasets.download(self.name, os.path.join(self.folder, "none.csv"))
        with self.assertRaises(mlplatform.BadRequest):
            self.mlp.datasets.preview(unique("x"), limit=5000)
        with self.assertRaises(FileNotFoundError):
            self.mlp.datasets.create(self.name, os.path.join(self.folder, "missing.csv"))


if __name__ == "__main__":
    unittest.main()
