"""Regenerate the README's rule table from the rule catalogue and the plan pack.

    python scripts/gen_docs.py          # rewrite README.md in place
    python scripts/gen_docs.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def rule_table() -> str:
    from mineplan.pack import load_pack

    pack = load_pack()
    catalogue = pack.config["catalogue"]
    lines = ["| code | severity when it fires | applies to | clause | rule |", "|---|---|---|---|---|"]
    for rule in pack.rule_set.rules:
        lines.append(f"| {rule.code} | {rule.severity} | {', '.join(rule.applies_to)} | "
                     f"{catalogue[rule.code]['clause']} | {rule.title_zh} — {rule.title_en} |")
    return "\n".join(lines)


def rendered(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{rule_table()}\n{END}{tail}"


def main() -> int:
    text = README.read_text(encoding="utf-8")
    new = rendered(text)
    if "--check" in sys.argv:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
