"""Findings, severities and verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Severities in increasing order of weight.
SEVERITIES = ("pass", "info", "cannot_judge", "restricted", "forbidden")
#: The verdict each severity gives. A rule that cannot judge keeps the application from being
#: "allowed": something the rule needs is missing, so approval must wait for it.
VERDICT_OF = {
    "pass": "allowed",
    "info": "allowed",
    "cannot_judge": "restricted",
    "restricted": "restricted",
    "forbidden": "forbidden",
}
VERDICTS = ("allowed", "restricted", "forbidden")
#: CLI exit status per verdict (2 = unusable input, 1 = internal error).
EXIT_CODES = {"allowed": 0, "restricted": 3, "forbidden": 4, "error": 2}


@dataclass(slots=True)
class Finding:
    rule: str
    severity: str
    clause: str
    message_zh: str
    message_en: str
    facts: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "clause": self.clause,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "facts": self.facts,
        }


@dataclass
class Result:
    """The verdict on one application, with every finding."""

    id: str
    index: int
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    attributes: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.error is not None:
            return "error"
        return worst_verdict(VERDICT_OF[f.severity] for f in self.findings)

    @property
    def worst(self) -> Finding | None:
        """The finding that decided the verdict (the first of the heaviest severity)."""
        if not self.findings:
            return None
        return max(self.findings, key=lambda f: SEVERITIES.index(f.severity))

    def as_dict(self) -> dict:
        out = {"id": self.id, "verdict": self.verdict, "findings": [f.as_dict() for f in self.findings]}
        if self.error is not None:
            out["error"] = self.error
        return out


def worst_verdict(verdicts) -> str:
    order = {v: i for i, v in enumerate(VERDICTS)}
    worst = "allowed"
    for verdict in verdicts:
        if verdict == "error":
            return "error"
        if order[verdict] > order[worst]:
            worst = verdict
    return worst


def rounded(value: float, digits: int = 1) -> float:
    return float(round(float(value), digits))
