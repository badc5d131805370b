"""``mineplan rules [CODE]``: the rule catalogue, or one rule explained with the plan's sentence."""

from __future__ import annotations

import click

from mineplan.commands.options import console, lang_opt


@click.command()
@click.argument("code", required=False)
@lang_opt
@click.pass_context
def rules(ctx: click.Context, code: str | None, lang: str) -> None:
    """List the rules (code, severity, clause, title) or explain one."""
    from rich.table import Table

    from mineplan.commands.options import pack_from
    from mineplan.rules.scope import describe

    pack = pack_from(ctx)
    rules = pack.rule_set
    catalogue = pack.config.get("catalogue", {})
    out = console()
    if code is None:
        table = Table(expand=True)
        for col in ("code", "severity", "applies to", "clause", "title"):
            table.add_column(col)
        for rule in rules.rules:
            clause = catalogue.get(rule.code, {}).get("clause", "")
            table.add_row(rule.code, rule.severity, ", ".join(rule.applies_to), clause,
                          rule.title_zh if lang == "zh" else rule.title_en)
        out.print(table)
        return
    rule = rules.by_code.get(code.upper())
    if rule is None:
        off = f"; {code.upper()} is disabled by the pack ([catalogue.{code.upper()}] enabled = false)" \
            if code.upper() in rules.disabled else ""
        raise click.BadParameter(f"unknown rule {code!r} (known: {', '.join(rules.codes)}){off}", param_hint="CODE")
    entry = catalogue.get(rule.code, {})
    lines = [
        f"{rule.code}  {rule.title_zh} — {rule.title_en}",
        f"severity when it fires: {rule.severity}; applies to: {', '.join(rule.applies_to)}",
        f"clause: {entry.get('clause', '')}",
        f"plan: 「{entry.get('text_zh', '')}」" if entry.get("text_zh") else "plan: (no sentence of the plan)",
        *([f"mineplan's reading (not the plan's words): {entry['note']}"] if entry.get("note") else []),
        f"scope of the clause: {describe(pack, rule.code, rule.applies_to)}",
        f"what it checks: {rule.what}",
    ]
    for line in lines:
        out.print(line, markup=False, soft_wrap=True)
