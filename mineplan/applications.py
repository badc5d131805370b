"""Applications: the attributes of a proposed right or site, normalised to canonical keys.

Files carry English or Chinese keys and values; CLI options override them. Normalisation
happens column-wise over a whole frame, so batch screening and ``check`` share it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from mineplan.errors import InputError
from mineplan.minerals import MineralCatalog

if TYPE_CHECKING:
    import pandas as pd

#: canonical key -> accepted property names (case-insensitive; the first match wins).
KEY_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "申请编号", "项目编号", "矿业权编号", "code"),
    "right_type": ("right_type", "righttype", "type", "类型", "矿业权类型", "权属类型", "申请类型"),
    "mineral": ("mineral", "矿种", "主矿种", "开采矿种", "勘查矿种", "开采主矿种"),
    "method": ("method", "开采方式", "开采方法"),
    "stage": ("stage", "勘查阶段", "阶段", "工作阶段"),
    "annual_output": ("annual_output", "output", "年产量", "生产规模", "开采规模", "设计规模", "年开采量"),
    "output_unit": ("output_unit", "unit", "规模单位", "单位"),
    "licence_years": ("licence_years", "license_years", "licence_term", "有效期", "有效期限", "许可证有效期",
                      "有效期（年）"),
    "green_mine": ("green_mine", "green", "green_exploration", "绿色矿山", "绿色勘查"),
    "grant": ("grant", "grant_method", "出让方式"),
    "applicant": ("applicant", "holder", "申请人", "矿业权人", "探矿权人", "采矿权人", "申请单位"),
    # new mine (新建矿山) or an existing one: the clauses on new mines (5.3.3, 6.3.1) speak of the former
    "mine_status": ("mine_status", "new_or_existing", "矿山性质", "新建或已有", "建设性质", "矿山状态"),
    # 净矿出让 (1.5, 4.2.3): the right is granted clean (land, red line, overlaps cleared before the grant)
    "clean_grant": ("clean_grant", "clean", "净矿", "净矿出让"),
    # 矿山地质环境保护与土地复垦方案 (6.3.1 采前有规划): the mine's restoration plan is prepared
    "restoration_plan": ("restoration_plan", "restoration", "复垦方案", "矿山地质环境保护与土地复垦方案",
                         "生态修复方案", "修复方案"),
}
CANONICAL_KEYS = tuple(KEY_ALIASES)
#: keys whose values are numbers (floats, NaN when not given)
NUMERIC_KEYS = ("annual_output", "licence_years")

RIGHT_TYPES = {
    "exploration": ("exploration", "探矿权", "探矿", "勘查", "勘查权", "prospecting"),
    "mining": ("mining", "采矿权", "采矿", "开采", "mine"),
    "site": ("site", "项目", "建设项目", "用地", "project", "construction"),
}
METHODS = {
    "open_pit": ("open_pit", "open-pit", "open pit", "opencast", "surface", "露天", "露天开采"),
    "underground": ("underground", "地下", "地下开采", "井工", "井下"),
    "well": ("well", "钻井", "地热井", "井", "borehole", "抽水井"),
}
MINE_STATUS = {
    "new": ("new", "新建", "新建矿山", "新立", "新设", "new mine"),
    "existing": ("existing", "已有", "已建", "已有矿山", "生产矿山", "在产", "在产矿山", "延续", "existing mine"),
}
UNITS = {
    "wt": ("万吨/年", "万吨", "万t/a", "万t", "wt", "10kt/a", "万吨每年"),
    "wm3": ("万立方米/年", "万立方米", "万m³/年", "万m3/年", "万m³/a", "万m3/a", "万m3", "万方/年", "万方", "wm3",
            "10k m3/a"),
}
TRUE = ("true", "yes", "y", "1", "是", "有", "承诺", "已承诺", "t")
FALSE = ("false", "no", "n", "0", "否", "无", "未承诺", "f")


@dataclass(slots=True)
class Application:
    """One application, canonical attributes; values are None when not given."""

    index: int
    id: str
    right_type: str | None = None
    mineral: str | None = None
    method: str | None = None
    stage: str | None = None
    annual_output: float | None = None
    output_unit: str | None = None
    licence_years: float | None = None
    green_mine: bool | None = None
    grant: str | None = None
    applicant: str | None = None
    mine_status: str | None = None
    clean_grant: bool | None = None
    restoration_plan: bool | None = None
    #: derived, not an input key: the plan's minerals an ambiguous name may mean ("、"-joined), with
    #: ``mineral`` None (M101 cannot judge which)
    mineral_candidates: str | None = None

    def attributes(self) -> dict:
        """The canonical attributes (every field but ``index``)."""
        return {name: getattr(self, name) for name in ATTRIBUTE_FIELDS}


ATTRIBUTE_FIELDS = tuple(f.name for f in fields(Application) if f.name != "index")
#: yes/no keys
BOOLEAN_KEYS = ("green_mine", "clean_grant", "restoration_plan")


class _Ambiguous(tuple):
    """A mineral name that may mean several of the plan's minerals (the candidates, in order)."""


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _choice(value, table: dict[str, tuple[str, ...]], what: str) -> str:
    text = str(value).strip().lower()
    for canonical, names in table.items():
        if text in {n.lower() for n in names}:
            return canonical
    raise ValueError(f"unknown {what} {value!r} (known: {', '.join(table)})")


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


def _number(value, what: str) -> float:
    try:
        number = float(str(value).replace(",", "").strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise ValueError(f"{what} is not a number: {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")
    return number


def _mineral_key(text) -> str:
    """A mineral name compared as :class:`mineplan.minerals.MineralCatalog` compares them."""
    return " ".join(str(text).strip().lower().replace("_", " ").replace("-", " ").split())


#: a Shapefile (dBase) field name holds at most this many bytes: longer names arrive cut
DBF_NAME_BYTES = 10


def find_columns(columns) -> dict[str, str]:
    """Map canonical keys to the frame's columns (first alias present wins; an alias cut to a
    Shapefile's 10-byte field names, e.g. ``annual_out``, counts as the alias)."""
    lowered = {str(c).strip().lower(): c for c in columns if not str(c).startswith("_") and c != "geometry"}
    found = {}
    for key, aliases in KEY_ALIASES.items():
        for alias in aliases:
            name = alias.lower()
            cut = name.encode("utf-8")[:DBF_NAME_BYTES].decode("utf-8", "ignore")
            for candidate in (name, cut):
                if candidate in lowered:
                    found[key] = lowered[candidate]
                    break
            if key in found:
                break
    return found


class Normaliser:
    """Turns raw properties (plus CLI overrides) into :class:`Application` records."""

    def __init__(self, catalog: MineralCatalog, rules: dict):
        self.catalog = catalog
        self.stages = list(rules.get("stages", []))
        self.stage_aliases = {k.lower(): v for k, v in rules.get("stage_aliases", {}).items()}
        self.grant_aliases = {k.lower(): v for k, v in rules.get("grant_aliases", {}).items()}
        self.grants = set(rules.get("competitive_grants", [])) | {"协议"}
        self.ambiguous = {_mineral_key(k): tuple(v) for k, v in rules.get("ambiguous_minerals", {}).items()}

    def one(self, index: int, label: str, props: dict, overrides: dict | None = None) -> Application:
        """Normalise one feature's properties. Raises ValueError with the problem."""
        values = {key: [props.get(col)] for key, col in find_columns(props.keys()).items()}
        apps, errors = self._normalise(values, [label], overrides)
        if errors[0] is not None:
            raise ValueError(errors[0])
        apps[0].index = index
        return apps[0]

    def _convert(self, key: str, value):
        if key == "right_type":
            return _choice(value, RIGHT_TYPES, "right type")
        if key == "method":
            return _choice(value, METHODS, "mining method")
        if key == "output_unit":
            return _choice(value, UNITS, "output unit")
        if key == "mineral":
            candidates = self.ambiguous.get(_mineral_key(value))
            if candidates:
                return _Ambiguous(candidates)
            mineral = self.catalog.resolve(str(value))
            if mineral is None:
                raise ValueError(f"unknown mineral {value!r}; known: {', '.join(self.catalog.known_names())}")
            return mineral.name
        if key == "stage":
            # an unknown stage is kept as given: E202 cannot judge it and names the known ones
            text = str(value).strip()
            return text if text in self.stages else self.stage_aliases.get(text.lower(), text)
        if key == "mine_status":
            return _choice(value, MINE_STATUS, "mine status (new or existing)")
        if key == "grant":
            text = str(value).strip()
            grant = self.grant_aliases.get(text.lower(), text)
            if grant not in self.grants:
                raise ValueError(f"unknown grant method {value!r} (known: {', '.join(sorted(self.grants))})")
            return grant
        if key in ("annual_output", "licence_years"):
            return _number(value, key.replace("_", " "))
        if key in BOOLEAN_KEYS:
            return _bool(value)
        return str(value).strip()

    def frame(self, frame: pd.DataFrame, overrides: dict | None = None, *, path: str | None = None,
              collect: bool = False) -> tuple[list[Application | None], list[str | None]]:
        """Normalise every row. With ``collect`` a bad row gives None and its error; otherwise
        the first bad row raises :class:`InputError` naming the file and feature."""
        labels = frame["_label"].tolist() if "_label" in frame.columns else [f"#{i + 1}" for i in range(len(frame))]
        columns = find_columns([c for c in frame.columns if not str(c).startswith("_") and c != "geometry"])
        apps, errors = self._normalise({key: frame[col].tolist() for key, col in columns.items()}, labels, overrides)
        if not collect:
            for label, error in zip(labels, errors, strict=True):
                if error is not None:
                    raise InputError(error, path=path, feature=label)
        return apps, errors

    def _normalise(self, values: dict[str, list], labels: list, overrides: dict | None):
        converted, errors, ids = self.columns(values, labels, overrides)
        apps: list[Application | None] = []
        for i in range(len(labels)):
            if errors[i] is not None:
                apps.append(None)
                continue
            app = Application(index=i, id=ids[i])
            for key, column in converted.items():
                value = column[i]
                setattr(app, key, None if isinstance(value, float) and math.isnan(value) else value)
            apps.append(app)
        return apps, list(errors)

    def columns(self, values: dict[str, list], labels, overrides: dict | None = None
                ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Column-wise: each distinct value of a column is converted once (a batch of a million
        rows has a handful of distinct minerals). Returns (canonical key -> array: text and
        yes/no as objects with None, numbers as floats with NaN), the error per row (its first in
        key order, else None) and the ids (the row's label where no id is given)."""
        import pandas as pd

        n = len(labels)
        values = dict(values)
        for key, value in (overrides or {}).items():
            if value is not None:
                values[key] = [value] * n
        errors = np.full(n, None, dtype=object)
        converted: dict[str, np.ndarray] = {}
        candidates = np.full(n, None, dtype=object)  # an ambiguous mineral's candidates (M101)
        for key in CANONICAL_KEYS[1:]:
            numeric = key in NUMERIC_KEYS
            out = np.full(n, np.nan) if numeric else np.full(n, None, dtype=object)
            if key in values:
                column = values[key]
                column = column if isinstance(column, pd.Series) else pd.Series(column, dtype=object)
                codes, uniques = pd.factorize(column, use_na_sentinel=True)
                uniques = np.asarray(uniques, dtype=object)
                results, problems = [], []
                for value in uniques:  # each distinct value once: a blank is "not given"
                    if _missing(value):
                        results.append(None)
                        problems.append(None)
                        continue
                    try:
                        results.append(self._convert(key, value))
                        problems.append(None)
                    except ValueError as exc:
                        results.append(None)
                        problems.append(str(exc))
                if len(uniques):
                    res = np.empty(len(results) + 1, dtype=object)
                    for k, result in enumerate(results):  # one by one: a result may be a tuple
                        res[k] = result
                    res[-1] = None  # the last slot answers the NA code -1
                    if key == "mineral":  # an ambiguous name: no mineral, and its candidates beside it
                        named = np.full(len(res), None, dtype=object)
                        for k, result in enumerate(results):
                            if isinstance(result, _Ambiguous):
                                named[k], res[k] = "、".join(result), None
                        candidates = named[codes]
                    got = res[codes]
                    given = got != None  # noqa: E711
                    out[given] = got[given].astype(float) if numeric else got[given]
                    prob = np.empty(len(problems) + 1, dtype=object)
                    prob[:-1] = problems
                    bad = prob[codes]
                    first = (bad != None) & (errors == None)  # noqa: E711
                    errors[first] = bad[first]
            converted[key] = out
        converted["mineral_candidates"] = candidates
        ids = np.asarray(labels, dtype=object).copy()
        if "id" in values:
            given = values["id"]
            given = given if isinstance(given, pd.Series) else pd.Series(given, dtype=object)
            text = given.astype(str).str.strip().to_numpy(dtype=object)
            present = given.notna().to_numpy() & (text != "")
            ids[present] = text[present]
        ids = np.array([str(v) for v in ids], dtype=object) if not all(isinstance(v, str) for v in ids) else ids
        return converted, errors, ids
