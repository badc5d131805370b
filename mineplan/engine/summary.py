"""What a run reports: counts per verdict, per rule (rows where it fired, by severity), per right type."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ScreenSummary:
    input: str
    output: str
    rows: int = 0
    verdicts: Counter = field(default_factory=Counter)
    rules: dict = field(default_factory=dict)  # code -> Counter(severity -> rows)
    right_types: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)  # reason -> rows
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def error_count(self) -> int:
        return int(self.verdicts.get("error", 0))

    def as_dict(self) -> dict:
        return {"input": self.input, "output": self.output, "rows": self.rows, "verdicts": dict(self.verdicts),
                "rules": {k: dict(v) for k, v in sorted(self.rules.items())}, "right_types": dict(self.right_types),
                "errors": self.error_count, "seconds": round(self.seconds, 3), "notes": self.notes}

    def count(self, table) -> None:
        """Add a batch of merged rows (columns verdict, _right_type, error, fired)."""
        def values(name: str) -> list:  # a DataFrame's or an Arrow table's column
            column = table[name]
            return column.to_pylist() if hasattr(column, "to_pylist") else column.tolist()

        self.rows += len(table)
        verdict = values("verdict")
        self.verdicts.update(verdict)
        self.right_types.update("error" if v == "error" else (t if isinstance(t, str) else "unknown")
                                for t, v in zip(values("_right_type"), verdict, strict=True))
        self.errors.update(str(e).split(":")[0][:60] for e in values("error")
                           if e is not None and not (isinstance(e, float) and e != e))
        # per rule: rows where it fired (rows share a few distinct "fired" texts: each is split once)
        for text, rows in Counter(values("fired")).items():
            if not isinstance(text, str) or not text:
                continue
            for item in text.split(";"):
                code, _, severity = item.partition(":")
                self.rules.setdefault(code, Counter())[severity] += rows
