"""pandas and numpy when they are installed: never required."""
from __future__ import annotations

import math
from typing import Any, List


def pandas() -> Any:
    """The pandas module, or ImportError saying what needs it."""
    try:
        import pandas as pd  # type: ignore
    except ImportError as e:
        raise ImportError("DataFrames need pandas: pip install pandas") from e
    return pd


def is_data_frame(value: Any) -> bool:
    return hasattr(value, "to_csv") and hasattr(value, "columns") and hasattr(value, "to_dict")


def plain(value: Any) -> Any:
    """JSON-ready values from numpy arrays and scalars (``tolist``/``item``), DataFrames (rows as objects) and
    NaN (a missing value, null): anything else as it is."""
    if is_data_frame(value):
        return [plain(row) for row in value.to_dict(orient="records")]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    elif hasattr(value, "item") and hasattr(value, "dtype"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def shape(value: List[Any]) -> List[int]:
    """The shape of nested lists: [2, 4] for two rows of four."""
    dims = []
    while isinstance(value, list):
        dims.append(len(value))
        value = value[0] if value else None
    return dims
