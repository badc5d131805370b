"""The plan-implementation report: the indicator table (3.1) against the rights registry.

Every row and number comes from ``[[indicators]]`` in plan.toml; outputs are converted with the same
:func:`mineplan.rules.mining.output_in` the rules use, and scales with the pack's scale tables.
What counts:

* caps (exploration rights, mines) and extraction totals: rights granted or pending (what the
  registry's :meth:`~mineplan.registry.Registry.existing_rights` returns — the same set the
  cross-application rules count);
* share of medium-or-larger mines: every counted mining right; one whose scale cannot be
  determined (no output, no scale table) counts as not medium;
* share of green mines: granted mining rights (the producing mines of the indicator).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from types import SimpleNamespace

from mineplan.applications import Application
from mineplan.minerals import MineralCatalog

#: status -> (zh, en)
STATUS_TEXT = {
    "on_track": ("正常", "on track"),
    "at_limit": ("已达上限", "at limit"),
    "over": ("超出上限", "over"),
    "below_floor": ("低于下限", "below floor"),
    "no_data": ("无数据", "no data"),
}
_UNIT_CODE = {"万吨/年": "wt", "万立方米/年": "wm3"}
_EPS = 1e-9


@dataclass
class Indicator:
    key: str
    title_zh: str
    title_en: str
    value: float | None  # None when nothing can be measured (a share of no mines)
    limit: float
    kind: str  # "max" (at most) or "min" (at least)
    unit: str  # "", "万立方米/年", "万吨/年", "%"
    status: str  # a key of STATUS_TEXT
    detail_zh: str = ""
    detail_en: str = ""
    counted: list[str] = field(default_factory=list)  # ids of the rights behind the value

    def as_dict(self) -> dict:
        out = asdict(self)
        out["status_zh"], out["status_en"] = STATUS_TEXT[self.status]
        return out


def status_of(value: float | None, limit: float, kind: str) -> str:
    if value is None:
        return "no_data"
    if kind == "max":
        if value > limit + _EPS:
            return "over"
        return "at_limit" if abs(value - limit) <= _EPS else "on_track"
    return "below_floor" if value < limit - _EPS else "on_track"


def _apps(frame) -> list[Application]:
    apps = []
    for i, row in enumerate(frame.itertuples(index=False)):
        output = row.annual_output
        output = None if output is None or output != output else float(output)  # NaN: not given
        apps.append(Application(index=i, id=row.id, right_type=row.right_type, mineral=row.mineral,
                                method=row.method, annual_output=output,
                                output_unit=row.output_unit, green_mine=row.green_mine))
    return apps


def evaluate(frame, pack) -> list[Indicator]:
    """The indicator table ([[indicators]] of the pack, in its order) for the rights in ``frame``
    (a registry frame: granted + pending)."""
    from mineplan.rules.cross import UNIT_CODES, check_indicator, indicator_minerals
    from mineplan.rules.mining import output_in

    catalog = MineralCatalog(pack.config)
    ctx = SimpleNamespace(catalog=catalog)  # output_in needs only the catalogue
    apps = _apps(frame)
    statuses = list(frame["status"]) if len(frame) else []
    exploration = [a for a in apps if a.right_type == "exploration"]
    mines = [a for a in apps if a.right_type == "mining"]
    out: list[Indicator] = []

    def split(group) -> tuple[str, str]:
        granted = sum(1 for a in group if statuses[a.index] == "granted")
        pending = len(group) - granted
        return f"已登记 {granted}，申请中 {pending}", f"{granted} granted, {pending} pending"

    def of_minerals(group, entry):
        minerals = set(indicator_minerals(entry, pack))
        return [a for a in group if a.mineral in minerals] if minerals else group

    for k, entry in enumerate(pack.indicators):
        check_indicator(entry, pack, k)
        key, zh, en, kind = entry["key"], entry["title_zh"], entry["title_en"], entry["kind"]
        limit = float(entry["limit"])
        counts = entry["counts"]
        if counts in ("exploration_rights", "mining_rights"):
            group = of_minerals(exploration if counts == "exploration_rights" else mines, entry)
            value = float(len(group))
            dz, de = split(group)
            out.append(Indicator(key, zh, en, value, limit, kind, "", status_of(value, limit, kind), dz, de,
                                 [a.id for a in group]))
        elif counts == "output":
            out.append(_total(ctx, output_in, key, zh, en, of_minerals(mines, entry), UNIT_CODES[entry["unit"]],
                              entry["unit"], limit, kind))
        elif counts == "share_medium_or_larger":
            medium, unknown = [], []
            for a in mines:
                mineral = catalog.minerals.get(a.mineral) if a.mineral else None
                table = catalog.scale_tables.get(mineral.scale_table) if mineral and mineral.scale_table else None
                if table is None:
                    unknown.append(a.id)
                    continue
                v, _why = output_in(ctx, a, _UNIT_CODE[table["unit"]])
                if v is None:
                    unknown.append(a.id)
                elif v >= float(table["medium"]):
                    medium.append(a.id)
            share(out, key, zh, en, medium, len(mines), limit, unknown, "规模不明", "scale unknown", kind)
        else:  # share_green: producing (granted) mines
            producing = [a for a in mines if statuses[a.index] == "granted"]
            green = [a.id for a in producing if a.green_mine is True]
            unknown_green = [a.id for a in producing if a.green_mine is None]
            share(out, key, zh, en, green, len(producing), limit, unknown_green, "未填报", "not stated", kind)
    return out


def _total(ctx, output_in, key, zh, en, group, unit, unit_text, limit, kind) -> Indicator:
    """The total annual output of ``group`` in ``unit`` against ``limit``."""
    value, unknown = 0.0, []
    for a in group:
        v, _why = output_in(ctx, a, unit)
        if v is None:
            unknown.append(a.id)
        else:
            value += v
    dz = f"{len(group)} 个采矿权" + (f"，{len(unknown)} 个无规模数据（{', '.join(unknown)}）" if unknown else "")
    de = f"{len(group)} mining right(s)"
    if unknown:
        de += f"; {len(unknown)} without output ({', '.join(unknown)})"
    return Indicator(key, zh, en, round(value, 6), limit, kind, unit_text, status_of(value, limit, kind), dz, de,
                     [a.id for a in group])


def share(out: list[Indicator], key, zh, en, hits: list[str], n: int, target: float, unknown: list[str],
          unknown_zh: str, unknown_en: str, kind: str = "min") -> None:
    value = None if n == 0 else 100.0 * len(hits) / n
    dz = f"{len(hits)}/{n}" + (f"，{len(unknown)} 个{unknown_zh}（{', '.join(unknown)}）" if unknown else "")
    de = f"{len(hits)} of {n}" + (f"; {len(unknown)} {unknown_en} ({', '.join(unknown)})" if unknown else "")
    out.append(Indicator(key, zh, en, None if value is None else round(value, 4), 100.0 * target, kind, "%",
                         status_of(value, 100.0 * target, kind), dz, de, hits))


def report_dict(indicators: list[Indicator], pack, registry) -> dict:
    from mineplan.registry import _now

    return {
        "plan": pack.identity(),
        "registry": {"path": str(registry.path), "changes": registry.changes()},
        "as_of": _now(),
        "counted_statuses": ["granted", "pending"],
        "indicators": [i.as_dict() for i in indicators],
    }


_COLOURS = {"on_track": "#2e7d32", "at_limit": "#f9a825", "over": "#c62828", "below_floor": "#c62828",
            "no_data": "#9e9e9e"}


_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
                 "Microsoft YaHei", "SimHei", "PingFang SC")


def _cjk_font() -> str | None:
    """A font family with Chinese glyphs, or None (the chart is then in English only)."""
    from matplotlib import font_manager

    family = _find_family(font_manager)
    if family is None:  # matplotlib's cache skips .ttc collections: register the system's CJK fonts
        for path in font_manager.findSystemFonts():
            if any(key in path for key in ("CJK", "wqy", "SourceHan", "msyh", "simhei")):
                try:
                    font_manager.fontManager.addfont(path)
                except Exception:  # an unreadable font file: try the next
                    continue
        family = _find_family(font_manager)
    return family


def _find_family(font_manager) -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in _CJK_FAMILIES if family in names), None)


def _axis_label(unit: str, cjk: bool) -> str:
    english = {"": "count", "%": "%", "万吨/年": "10 kt / yr", "万立方米/年": "10k m³ / yr"}
    if unit in ("", "%"):
        return english[unit]
    return f"{unit} ({english[unit]})" if cjk else english[unit]


def write_chart(indicators: list[Indicator], path, *, title: str = "", note: str = "") -> None:
    """A PNG: one panel per indicator, the registry's value beside the plan's limit (or floor),
    the value's bar coloured by status."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    font = _cjk_font()
    rc = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with plt.rc_context(rc):
        n = len(indicators)
        cols = 4
        rows = (n + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows + 0.8), squeeze=False)
        for ax, ind in zip(axes.flat, indicators, strict=False):
            value = 0.0 if ind.value is None else ind.value
            limit_label = ("plan limit" if ind.kind == "max" else "plan floor") if ind.unit != "%" else "plan target"
            bars = ax.bar(["registry", limit_label], [value, ind.limit],
                          color=[_COLOURS[ind.status], "#90a4ae"], width=0.6)
            for bar, v, known in zip(bars, [value, ind.limit], [ind.value is not None, True], strict=True):
                text = f"{v:g}" if known else "n/a"
                ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                            fontsize=10, xytext=(0, 2), textcoords="offset points")
            top = max(value, ind.limit) or 1.0
            ax.set_ylim(0, top * 1.25)
            head = f"{ind.title_zh}\n{ind.title_en}" if font else ind.title_en
            ax.set_title(head, fontsize=10)
            ax.set_ylabel(_axis_label(ind.unit, bool(font)))
            zh, en = STATUS_TEXT[ind.status]
            ax.text(0.02, 0.96, f"{zh} / {en}" if font else en, transform=ax.transAxes, va="top", fontsize=9,
                    color=_COLOURS[ind.status], fontweight="bold")
            ax.spines[["top", "right"]].set_visible(False)
            if ind.unit == "":
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        for ax in list(axes.flat)[n:]:
            ax.axis("off")
        if note and n < rows * cols:
            list(axes.flat)[n].text(0.05, 0.9, note, va="top", fontsize=9, transform=list(axes.flat)[n].transAxes,
                                    wrap=True)
        if title:
            fig.suptitle(title if font else title.encode("ascii", "ignore").decode().strip(" —/"), fontsize=12)
        fig.tight_layout()
        fig.savefig(path, dpi=150)
        plt.close(fig)
