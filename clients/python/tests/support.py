"""What the tests share: clients of the node under test (MLP_URL, MLP_API_KEY an editor's, MLP_VIEWER_KEY a
viewer's), its test model files, unique names and a customers CSV."""
from __future__ import annotations

import os
import random
import sys
import tempfile
import unittest
import uuid
from pathlib import Path
from typing import Type, Union

# the package's sources, when it is not installed
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import mlplatform  # noqa: E402


def editor() -> mlplatform.Client:
    """MLP_URL and MLP_API_KEY from the environment, as a user's script has them."""
    return mlplatform.Client()


def viewer() -> mlplatform.Client:
    return mlplatform.Client(api_key=os.environ["MLP_VIEWER_KEY"])


def onnx_model() -> str:
    """An ONNX classifier: one input "input" [n, 4], output "output" [n, 2]."""
    return os.environ["MLP_TEST_ONNX"]


def pmml_model() -> str:
    """A PMML regression: inputs x1, x2."""
    return os.environ["MLP_TEST_PMML"]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def scratch(case: Union[unittest.TestCase, Type[unittest.TestCase]]) -> str:
    """A folder removed when the test (or, given the class, the test class) ends."""
    folder = tempfile.TemporaryDirectory(prefix="mlp-py-")
    if isinstance(case, type):
        case.addClassCleanup(folder.cleanup)
    else:
        case.addCleanup(folder.cleanup)
    return folder.name


def customers_csv(folder: str, rows: int = 300) -> str:
    """Customers: numbers, string columns and empty cells; churn follows usage, tenure and support calls."""
    rnd = random.Random(11)
    lines = ["id,tenure_months,monthly_usage,support_calls,plan,region,churned"]
    for i in range(rows):
        tenure, usage, calls = rnd.randrange(60), round(rnd.random() * 100, 1), rnd.randrange(8)
        churned = 1 if usage < 30 and tenure < 24 or calls > 5 else 0
        lines.append(",".join(str(v) for v in (
            i, tenure, "" if i % 17 == 0 else usage, calls, rnd.choice(["basic", "plus", "pro"]),
            "" if i % 13 == 0 else rnd.choice(["north", "south", "east", "west"]), churned)))
    file = os.path.join(folder, "customers.csv")
    with open(file, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return file
