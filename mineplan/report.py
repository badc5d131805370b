"""The one-page report of ``mineplan check FILE --report report.html|report.pdf``.

A bureau can file it: the verdict as a banner, a map of the site with its surroundings and the
distances to the nearest blocks, zones and "three zones, two lines" features, the findings with
their clause and the plan's own sentence, the application's attributes, the plan pack's id,
version and data hash, and when it was made. A4, printable; the PDF is the HTML printed by
headless Chromium (or, where there is none, a matplotlib page with the same content).
"""

from __future__ import annotations

import base64
import html
import os
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

from mineplan import __version__

VERDICT_TEXT = {
    "allowed": ("允许", "ALLOWED", "符合规划"),
    "restricted": ("限制", "RESTRICTED", "需满足条件或补充材料后方可审批"),
    "forbidden": ("禁止", "FORBIDDEN", "不符合规划"),
    "error": ("输入错误", "INPUT ERROR", "申请数据无法判定"),
}
SEVERITY_TEXT = {"pass": ("通过", "pass"), "info": ("提示", "info"), "cannot_judge": ("无法判定", "cannot judge"),
                 "restricted": ("限制", "restricted"), "forbidden": ("禁止", "forbidden")}
ATTRIBUTE_LABELS = {
    "id": ("编号", "ID"), "right_type": ("类型", "Type"), "mineral": ("矿种", "Mineral"),
    "method": ("开采方式", "Method"), "stage": ("勘查阶段", "Stage"), "annual_output": ("生产规模", "Annual output"),
    "output_unit": ("规模单位", "Output unit"), "licence_years": ("出让年限", "Licence years"),
    "green_mine": ("绿色矿山承诺", "Green-mine commitment"), "grant": ("出让方式", "Grant method"),
    "applicant": ("申请人", "Applicant"),
}
L = {
    "zh": {"title": "矿产资源规划符合性审查报告", "app": "申请", "map": "位置及周边（虚线为到最近要素的距离）",
           "findings": "审查意见", "rule": "规则", "result": "结论", "clause": "条款", "message": "说明",
           "plan_text": "规划原文", "passed": "通过的规则", "notes": "附注（结论以此为条件）", "attributes": "申请要素",
           "nearest": "最近要素距离",
           "feature": "要素", "distance": "距离", "pack": "规划数据包", "version": "版本", "hash": "数据哈希",
           "made": "生成时间", "source": "申请文件", "crs": "原坐标系", "inside": "相交/位于其内",
           "none": "无未通过的规则。", "error": "错误"},
    "en": {"title": "Mineral-resources plan compliance report", "app": "Application",
           "map": "Site and surroundings (dashed: distance to the nearest feature)", "findings": "Findings",
           "rule": "Rule", "result": "Result", "clause": "Clause", "message": "Message", "plan_text": "The plan says",
           "passed": "Rules passed", "notes": "Note (the verdict is conditional on it)", "attributes": "Application",
           "nearest": "Nearest features", "feature": "Feature",
           "distance": "Distance", "pack": "Plan pack", "version": "version", "hash": "data SHA-256",
           "made": "Made", "source": "Input file", "crs": "source CRS", "inside": "touching / inside",
           "none": "No rule failed.", "error": "Error"},
}
COLORS = {"allowed": "#1a9850", "restricted": "#e08a00", "forbidden": "#d7191c", "error": "#7b3294"}


def write_report(report, path: str | Path, *, lang: str = "zh", now: datetime | None = None) -> Path:
    """Write ``report`` (a :class:`mineplan.checker.CheckReport`) as ``.html`` or ``.pdf``."""
    from mineplan.errors import InputError

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InputError(f"unknown report format {suffix or 'none'!r} (use .html or .pdf)", path=str(path))
    from mineplan.writers import output_folder, write_text

    output_folder(path)  # a missing or read-only folder is a one-line error before any work
    text = report_html(report, lang=lang, now=now)
    if suffix != ".pdf":
        write_text(path, text)
        return path
    browser = find_chromium()
    if browser:
        with tempfile.TemporaryDirectory(prefix="mineplan-report-") as tmp:
            page = Path(tmp) / "report.html"
            page.write_text(text, encoding="utf-8")
            print_pdf(browser, page, path, Path(tmp) / "profile")
    else:
        _matplotlib_pdf(report, path, lang=lang, now=now)
    return path


def find_chromium() -> str | None:
    for name in (os.environ.get("MINEPLAN_CHROMIUM"), "chromium", "chromium-browser", "google-chrome",
                 "google-chrome-stable"):
        if name and (found := shutil.which(name)):
            return found
    return None


def print_pdf(browser: str, page: Path, pdf: Path, profile: Path, timeout: float = 120) -> None:
    """Print ``page`` to ``pdf`` with headless Chromium, network off, a fresh profile."""
    from mineplan.errors import MineplanError

    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}", "--no-pdf-header-footer",
            "--print-to-pdf-no-header", f"--print-to-pdf={pdf.resolve()}", page.resolve().as_uri()]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if not pdf.exists() or pdf.stat().st_size == 0:
        raise MineplanError(f"{pdf}: Chromium could not print the report (exit {proc.returncode}): "
                            + (proc.stderr.strip().splitlines() or [""])[-1])


def _context(report, lang: str, now: datetime | None):
    from mineplan.maps.fonts import resolve_lang
    from mineplan.maps.overlay import report_frame

    lang_used, family, _ = resolve_lang(lang)
    now = now or datetime.now().astimezone()
    return report_frame(report), lang_used, family, now


def report_html(report, *, lang: str = "zh", now: datetime | None = None) -> str:
    """The report as one HTML document (one A4 page per application, images inlined)."""
    from mineplan.maps.site import site_map_png

    apps, map_lang, family, now = _context(report, lang, now)
    t = L["zh" if lang == "zh" else "en"]
    pack = report.pack
    plan = pack.plan
    ident = pack.identity()
    catalogue = pack.config.get("catalogue", {})
    sections = []
    by_id = {str(a): i for i, a in enumerate(apps["id"])}
    for result in report.results:
        verdict = result.verdict
        zh, en, gloss = VERDICT_TEXT[verdict]
        img, nearest = "", []
        if result.id in by_id:
            png, nearest = site_map_png(pack, apps, by_id[result.id], lang=map_lang, family=family)
            img = f'<img class="map" alt="site map" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        problems = [f for f in result.findings if f.severity not in ("pass", "info")]
        notes = [f for f in result.findings if f.severity == "info"]  # not checked, assumed, repaired
        passes = [f.rule for f in result.findings if f.severity == "pass"]
        rows = []
        for f in problems:
            sev = SEVERITY_TEXT.get(f.severity, (f.severity, f.severity))[0 if lang == "zh" else 1]
            entry = catalogue.get(f.rule, {})
            rows.append(
                f"<tr class='sev-{f.severity}'><td class='code'>{html.escape(f.rule)}</td>"
                f"<td class='sev'>{html.escape(sev)}</td><td>{html.escape(f.clause or entry.get('clause', ''))}</td>"
                f"<td>{html.escape(f.message_zh if lang == 'zh' else f.message_en)}</td>"
                f"<td class='plan'>{html.escape(entry.get('text_zh', ''))}</td></tr>")
        findings = (f"<table class='findings'><thead><tr><th>{t['rule']}</th><th>{t['result']}</th>"
                    f"<th>{t['clause']}</th><th>{t['message']}</th><th>{t['plan_text']}</th></tr></thead>"
                    f"<tbody>{''.join(rows)}</tbody></table>") if rows else f"<p>{t['none']}</p>"
        if result.error:
            findings = f"<p class='error'>{t['error']}: {html.escape(result.error)}</p>" + findings
        passed = (f"<p class='passed'>{t['passed']}（{len(passes)}）：{html.escape('、'.join(passes))}</p>"
                  if passes else "")
        if notes:  # one paragraph: what the verdict is conditional on, what was assumed
            passed = (f"<p class='note'>{t['notes']}：" + "；".join(
                f"{html.escape(f.rule)} {html.escape(f.message_zh if lang == 'zh' else f.message_en)}" for f in notes)
                + "</p>" + passed)
        attrs = "".join(
            f"<tr><th>{html.escape(ATTRIBUTE_LABELS.get(k, (k, k))[0 if lang == 'zh' else 1])}</th>"
            f"<td>{html.escape(_fmt(v))}</td></tr>" for k, v in result.attributes.items() if v not in (None, ""))
        near = "".join(
            f"<tr><td>{html.escape(r['label_zh'] if lang == 'zh' else r['label_en'])}</td>"
            f"<td>{html.escape(str(r['name_zh'] if lang == 'zh' else r['name_en']))}</td>"
            f"<td class='num'>{t['inside'] if r['distance_m'] == 0 else format(r['distance_m'], ',.0f') + ' m'}</td>"
            f"</tr>" for r in nearest)
        title = plan["name_zh"] if lang == "zh" else plan.get("name_en", plan["name_zh"])
        sections.append(f"""
<section class="page">
  <header><div class="doc">{html.escape(title)} · {html.escape(plan.get('document', ''))}</div>
  <h1>{t['title']}</h1></header>
  <div class="banner" style="background:{COLORS[verdict]}">
    <span class="verdict">{zh if lang == 'zh' else en}</span>
    <span class="what">{t['app']} {html.escape(result.id)} — {html.escape(gloss if lang == 'zh' else en.lower())}</span>
  </div>
  <figure>{img}<figcaption>{t['map']}</figcaption></figure>
  <h2>{t['findings']}</h2>
  {findings}
  {passed}
  <div class="cols">
    <div><h2>{t['attributes']}</h2><table class="kv">{attrs}</table></div>
    <div><h2>{t['nearest']}</h2><table class="kv near">{near}</table></div>
  </div>
  <footer>
    {t['pack']}: <b>{html.escape(ident['id'])}</b> {t['version']} <b>{html.escape(ident['version'])}</b> ·
    {t['hash']} <code>{ident['data_sha256']}</code><br>
    {t['made']}: {now.isoformat(timespec='seconds')} · mineplan {__version__} ·
    {t['source']}: {html.escape(Path(report.source).name)} ({t['crs']} {html.escape(report.source_crs or '-')})<br>
    <span class="prov">{html.escape(_provenance(pack, lang))}</span>
  </footer>
</section>""")
    return _PAGE.format(lang="zh-CN" if lang == "zh" else "en", title=html.escape(t["title"]),
                        body="\n".join(sections))


def _provenance(pack, lang: str) -> str:
    from mineplan.maps.static import provenance_note

    return provenance_note(pack, lang)


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: A4; margin: 10mm 11mm; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font: 9pt/1.35 "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
  "Microsoft YaHei", sans-serif; color: #222; }}
.page {{ width: 188mm; margin: 0 auto; page-break-after: always; break-after: page; }}
.page:last-child {{ page-break-after: auto; break-after: auto; }}
header .doc {{ font-size: 8pt; color: #555; }}
h1 {{ font-size: 15pt; margin: 1mm 0 2mm; }}
h2 {{ font-size: 10pt; margin: 2mm 0 0.8mm; border-bottom: 1px solid #bbb; }}
.banner {{ color: #fff; padding: 2.5mm 4mm; border-radius: 2mm; display: flex; align-items: baseline; gap: 5mm;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
.banner .verdict {{ font-size: 20pt; font-weight: bold; letter-spacing: 1mm; }}
.banner .what {{ font-size: 10.5pt; }}
figure {{ margin: 2mm 0 0; }}
img.map {{ width: 100%; height: auto; max-height: 92mm; object-fit: contain; border: 1px solid #999; display: block; }}
figcaption {{ font-size: 7.5pt; color: #555; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: 0.35mm 1.2mm; vertical-align: top; text-align: left; }}
table.findings {{ font-size: 7.8pt; }}
table.findings th {{ background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
table.findings td.code, table.findings td.sev, table.findings th {{ font-weight: bold; white-space: nowrap; }}
table.findings td.plan {{ color: #444; font-size: 6.8pt; width: 38%; }}
tr.sev-forbidden td.sev {{ color: #d7191c; font-weight: bold; }}
tr.sev-restricted td.sev, tr.sev-cannot_judge td.sev {{ color: #b36b00; font-weight: bold; }}
.passed {{ font-size: 7.5pt; color: #2d6a2d; margin: 1mm 0; }}
.note {{ font-size: 7.5pt; color: #555; margin: 0.5mm 0; }}
.cols {{ display: flex; gap: 4mm; }}
.cols > div {{ flex: 1; }}
table.kv {{ font-size: 7.4pt; line-height: 1.25; }}
table.kv th {{ width: 32%; background: #f5f5f5; font-weight: normal; }}
td.num {{ text-align: right; white-space: nowrap; }}
footer {{ margin-top: 2.5mm; padding-top: 1.2mm; border-top: 1px solid #999; font-size: 7pt; color: #444; }}
footer code {{ font-size: 6.5pt; }}
.prov {{ color: #8c2d04; }}
.error {{ color: #7b3294; font-weight: bold; }}
</style></head>
<body>{body}
</body></html>
"""


def _matplotlib_pdf(report, path: Path, *, lang: str, now: datetime | None) -> None:
    """The PDF without a browser: one A4 matplotlib page per application (banner, map, findings)."""
    import io
    import textwrap

    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from mineplan.maps.fonts import font_rc
    from mineplan.maps.site import site_map_png

    apps, map_lang, family, now = _context(report, lang, now)
    zh = map_lang == "zh"
    ident = report.pack.identity()
    catalogue = report.pack.config.get("catalogue", {})
    by_id = {str(a): i for i, a in enumerate(apps["id"])}
    with plt.rc_context({**font_rc(family, map_lang), "pdf.fonttype": 42}), PdfPages(path) as pdf:
        for result in report.results:
            fig = plt.figure(figsize=(8.27, 11.69))
            v = result.verdict
            fig.text(0.06, 0.965, report.pack.plan["name_zh" if zh else "name_en"], fontsize=8, color="#555")
            fig.text(0.06, 0.945, L["zh" if zh else "en"]["title"], fontsize=14, fontweight="bold")
            fig.patches.append(plt.Rectangle((0.06, 0.895), 0.88, 0.038, color=COLORS[v], transform=fig.transFigure))
            fig.text(0.08, 0.914, f"{VERDICT_TEXT[v][0 if zh else 1]}   {result.id}", fontsize=16, color="white",
                     fontweight="bold", va="center")
            if result.id in by_id:
                png, _ = site_map_png(report.pack, apps, by_id[result.id], lang=map_lang, family=family)
                ax = fig.add_axes((0.06, 0.5, 0.88, 0.385))
                ax.imshow(mpimg.imread(io.BytesIO(png)))
                ax.axis("off")
            y = 0.48
            for f in result.findings:
                if f.severity == "pass":
                    continue
                msg = f.message_zh if zh else f.message_en
                line = f"{f.rule} [{f.severity}] {f.clause}: {msg}"
                plan_text = catalogue.get(f.rule, {}).get("text_zh", "")
                for chunk in textwrap.wrap(line, 60 if zh else 110)[:3]:
                    fig.text(0.06, y, chunk, fontsize=8)
                    y -= 0.016
                for chunk in textwrap.wrap(plan_text, 70 if zh else 120)[:2] if zh else []:
                    fig.text(0.08, y, chunk, fontsize=7, color="#555")
                    y -= 0.014
                if y < 0.12:
                    break
            fig.text(0.06, 0.05, f"{ident['id']} {ident['version']} · {ident['data_sha256']}", fontsize=6.5)
            fig.text(0.06, 0.035, now.isoformat(timespec="seconds") + f" · mineplan {__version__}", fontsize=6.5)
            pdf.savefig(fig)
            plt.close(fig)
