"""``mineplan serve`` for real: uvicorn on a free 127.0.0.1 port in a thread, hit by 20 concurrent
checks, and the page driven in Debian's headless Chromium through Playwright.

The browser may reach only the test server: every other request is aborted and recorded (as in
tests/browser.py), so a page that needs a CDN fails. Outside CI the browser tests skip when
Chromium or Playwright is missing; in CI that is a failure.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from browser import ARGS, CHROMIUM, browser_page, require_browser
from conftest import EXAMPLES

from mineplan.serve import Settings, create_app
from mineplan.serve.latency import measure

GEOJSON_EXAMPLES = sorted(EXAMPLES.glob("*.geojson"))
#: browser.py's flags, with the loopback address let through the "resolve nothing" rule
SERVE_ARGS = [a + ", EXCLUDE 127.0.0.1" if a.startswith("--host-resolver-rules=") else a for a in ARGS]


@contextmanager
def running(app):
    """``app`` under uvicorn on 127.0.0.1 (a port the OS picked) in a thread; yields its URL, then stops it."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert thread.is_alive(), "the server thread died"
        assert time.monotonic() < deadline, "the server did not start in 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=15)
        sock.close()
        assert not thread.is_alive(), "the server did not stop"


@pytest.fixture(scope="module")
def server(pack):
    with running(create_app(Settings(pack=pack))) as url:
        yield url


@pytest.fixture(scope="module")
def expected(pack):
    """The JSON of each example as the library gives it, computed in this process."""
    from mineplan.checker import check_file
    from mineplan.output import to_json

    return {p.name: json.loads(to_json(check_file(p, pack=pack))) for p in GEOJSON_EXAMPLES}


def test_twenty_concurrent_checks(server, expected):
    jobs = [GEOJSON_EXAMPLES[i % len(GEOJSON_EXAMPLES)] for i in range(20)]
    barrier = threading.Barrier(len(jobs), timeout=30)

    def one(path):
        with httpx.Client(base_url=server, timeout=60) as c:
            body = path.read_bytes()
            barrier.wait()  # all 20 requests leave together
            r = c.post("/api/v1/check", content=body, headers={"content-type": "application/geo+json"})
            return path.name, r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        answers = list(pool.map(one, jobs))
    assert len(answers) == 20
    for name, status, body in answers:
        assert status == 200, (name, body)
        assert body == expected[name], name
    # and the server still answers afterwards
    assert httpx.get(server + "/api/v1/health", timeout=10).json()["status"] == "ok"


def test_latency_of_one_check(server):
    result = measure(server, EXAMPLES / "mining-forbidden.geojson", n=20, warm_up=3)
    print(f"\nlatency of one check over HTTP: median {result['median'] * 1000:.1f} ms "
          f"(min {result['min'] * 1000:.1f}, max {result['max'] * 1000:.1f}, n={result['n']})")
    assert 0 < result["min"] <= result["median"] <= result["max"]
    assert result["median"] < 2.0  # a generous bound: a check takes ~10-50 ms here


def test_bad_request_does_not_take_the_server_down(server):
    with httpx.Client(base_url=server, timeout=30) as c:
        for body in (b"", b"{", b"\xff\xfe garbage", b'{"type": "FeatureCollection", "features": [1, 2]}'):
            r = c.post("/api/v1/check", content=body)
            assert 400 <= r.status_code < 500 and "error" in r.json()
        assert c.post("/api/v1/check", content=(EXAMPLES / "mining-allowed.geojson").read_bytes()).status_code == 200


def test_screens_run_at_most_max_screens_at_once(pack, monkeypatch, tmp_path):
    import mineplan.screen

    real, lock, state = mineplan.screen.screen, threading.Lock(), {"now": 0, "most": 0}

    def slow_screen(*args, **kwargs):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.3)
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(mineplan.screen, "screen", slow_screen)
    body = (EXAMPLES / "mining-allowed.geojson").read_bytes()
    with running(create_app(Settings(pack=pack, max_screens=2))) as url:
        def one(_):
            return httpx.post(url + "/api/v1/screen", files={"file": ("a.geojson", body)}, timeout=60).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(one, range(6)))
        # the check route is not held up by the screens' limit
        assert httpx.post(url + "/api/v1/check", content=body, timeout=30).status_code == 200
    assert statuses == [200] * 6
    assert state["most"] == 2


# --- the page in headless Chromium ---------------------------------------------------------------------


def served_page(server: str, tmp_path, *, path: str = "/", viewport=(1400, 950)):
    """The page at ``server`` in headless Chromium; any request elsewhere is aborted and logged."""
    return browser_page(server + path, tmp_path, allowed=(server + "/", "data:", "blob:", "about:"), args=SERVE_ARGS,
                        viewport=viewport, ready="body[data-ready='1']", accept_downloads=True)


def check_file_in_page(page, path):
    page.set_input_files("#check-file", str(path))
    page.click("#check-submit")
    page.wait_for_selector("#verdict:not([hidden])", timeout=20000)
    page.wait_for_selector("#check-submit:not([disabled])", timeout=20000)
    return page.locator("#verdict").inner_text()


def test_page_checks_a_forbidden_file(server, tmp_path):
    with served_page(server, tmp_path) as (page, log):
        # the plan's map: every layer drawn as SVG paths, the legend names them
        assert page.evaluate("typeof L") == "object"
        assert page.locator(".leaflet-overlay-pane path").count() >= 10
        assert "开采规划区块" in page.locator(".legend").inner_text()
        banner = check_file_in_page(page, EXAMPLES / "mining-forbidden.geojson")
        assert "禁止" in banner
        assert page.locator("#verdict").get_attribute("class") == "banner verdict-forbidden"
        table = page.locator("#findings").inner_text()
        assert "MIN-F" in table and "X210" in table and "4.2.4(2)" in table and "不在任何开采规划区块内" in table
        # the JSON report to download is the API's answer
        with page.expect_download() as info:
            page.click("#report-download")
        report = json.loads(info.value.path().read_text(encoding="utf-8"))
        assert report["verdict"] == "forbidden" and report["results"][0]["id"] == "MIN-F"
        # the English switch
        page.click("#lang-switch")
        assert "Forbidden" in page.locator("#verdict").inner_text()
        assert "not inside any mining planning block" in page.locator("#findings").inner_text()
        assert page.locator("#tab-batch").inner_text() == "Batch screening"
        if os.environ.get("MINEPLAN_SERVE_SCREENSHOT"):  # docs/serve.png is made this way
            page.click("#lang-switch")
            page.check("#problems-only")
            page.screenshot(path=os.environ["MINEPLAN_SERVE_SCREENSHOT"], full_page=False)
    assert not log.problems, log.problems


def test_page_checks_an_allowed_file(server, tmp_path):
    with served_page(server, tmp_path) as (page, log):
        banner = check_file_in_page(page, EXAMPLES / "mining-allowed.geojson")
        assert "允许" in banner and "禁止" not in banner
        assert page.locator("#verdict").get_attribute("class") == "banner verdict-allowed"
        # the form's attributes are sent as the overrides: a tiny output makes it forbidden (X221, below medium)
        page.fill("input[name=annual_output]", "1")
        page.select_option("select[name=output_unit]", "wt")
        page.click("#check-submit")
        page.wait_for_selector("#verdict.verdict-forbidden", timeout=20000)
        assert "X221" in page.locator("#findings").inner_text()
    assert not log.problems, log.problems


def test_page_takes_a_dropped_file(server, tmp_path):
    text = (EXAMPLES / "exploration-forbidden.geojson").read_text(encoding="utf-8")
    with served_page(server, tmp_path) as (page, log):
        page.evaluate("""(text) => {
            const dt = new DataTransfer();
            dt.items.add(new File([text], "dropped.geojson", {type: "application/geo+json"}));
            document.getElementById("drop").dispatchEvent(
                new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
        }""", text)
        assert "dropped.geojson" in page.locator("#input-status").inner_text()
        page.click("#check-submit")
        page.wait_for_selector("#verdict:not([hidden])", timeout=20000)
        assert "禁止" in page.locator("#verdict").inner_text()
        assert "EXP-F" in page.locator("#findings").inner_text()
    assert not log.problems, log.problems


def test_page_in_english(server, tmp_path):
    with served_page(server, tmp_path, path="/?lang=en") as (page, log):
        assert page.locator("#tab-check").inner_text() == "Check one application"
        assert "Changle County" in page.locator("#plan-name").inner_text()
        assert "Mining block" in page.locator(".legend").inner_text()
        banner = check_file_in_page(page, EXAMPLES / "site-restricted.geojson")
        assert "Restricted" in banner
        page.click("#lang-switch")  # and back to Chinese
        assert "限制" in page.locator("#verdict").inner_text()
        assert page.locator("#tab-check").inner_text() == "单个申请检查"
    assert not log.problems, log.problems


def test_page_draws_a_polygon(server, tmp_path, pack):
    with served_page(server, tmp_path) as (page, log):
        page.select_option("select[name=right_type]", "site")
        box = page.locator("#map").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.click(cx, cy)  # not drawing: a click on the plan's features opens their popup
        page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        titles = [la.title_zh for la in pack.layers.values()]
        assert any(t in page.locator(".leaflet-popup-content").inner_text() for t in titles)
        page.click("#draw-start")  # closes the popup (it fades out)
        page.wait_for_selector(".leaflet-popup-content", state="detached", timeout=5000)
        for dx, dy in ((-20, -20), (20, -20), (20, 20), (-20, 20)):
            page.mouse.click(cx + dx, cy + dy)
        assert page.locator(".leaflet-popup-content").count() == 0  # drawing: clicks add vertices only
        assert "4" in page.locator("#input-status").inner_text()
        page.click("#draw-finish")
        with page.expect_request(lambda r: r.url.startswith(server + "/api/v1/check") and r.method == "POST") as req:
            page.click("#check-submit")
        sent = json.loads(req.value.post_data)
        assert sent["features"][0]["geometry"]["type"] == "Polygon"
        assert len(sent["features"][0]["geometry"]["coordinates"][0]) == 5
        assert "right_type=site" in req.value.url
        page.wait_for_selector("#verdict:not([hidden])", timeout=20000)
        assert any(word in page.locator("#verdict").inner_text() for word in ("允许", "限制", "禁止"))
    assert not log.problems, log.problems


def test_page_escapes_what_comes_from_input(server, tmp_path):
    doc = json.loads((EXAMPLES / "mining-allowed.geojson").read_text(encoding="utf-8"))
    evil = '<img src=x onerror="window.__xss=1">'
    doc["features"][0]["properties"]["id"] = evil
    path = tmp_path / "evil.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with served_page(server, tmp_path) as (page, log):
        check_file_in_page(page, path)
        assert evil in page.locator("#findings").inner_text()  # shown as text
        assert page.locator("#findings img").count() == 0
        assert page.evaluate("window.__xss") is None
    assert not log.problems, log.problems


def test_page_escapes_what_comes_from_the_plan(tmp_path):
    from tests_support import copy_pack

    from mineplan.pack import load_pack

    evil = '<img src=x onerror="window.__xss=1">'
    root = copy_pack(tmp_path, {"mining_blocks": lambda p: {**p, "name_zh": evil}}, load=False)
    toml = (root / "plan.toml").read_text(encoding="utf-8")
    (root / "plan.toml").write_text(toml.replace('title_zh = "开采规划区块"', f"title_zh = '{evil}'"), encoding="utf-8")
    with running(create_app(Settings(pack=load_pack(root)))) as url, served_page(url, tmp_path) as (page, log):
        page.hover(".leaflet-control-layers")
        assert evil in page.locator(".leaflet-control-layers").inner_text()
        # open a mining block's popup
        page.evaluate("""() => {
            const el = [...document.querySelectorAll('.leaflet-overlay-pane path')]
                .find(p => p.getAttribute('fill') === '#ef3b2c');  // a mining block
            const box = el.getBoundingClientRect();
            el.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: box.x + 2, clientY: box.y + 2}));
        }""")
        page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        assert evil in page.locator(".leaflet-popup-content").inner_text()
        assert page.locator(".leaflet-container img[src=x]").count() == 0
        assert page.evaluate("window.__xss") is None
    assert not log.problems, log.problems


def test_page_batch_tab(server, tmp_path):
    features = []
    for example in GEOJSON_EXAMPLES:
        features.extend(json.loads(example.read_text(encoding="utf-8"))["features"])
    batch = tmp_path / "batch.geojson"
    batch.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                     encoding="utf-8")
    with served_page(server, tmp_path) as (page, log):
        page.click("#tab-batch")
        assert page.locator("#batch-pane").is_visible() and not page.locator("#check-pane").is_visible()
        page.set_input_files("#batch-file", str(batch))
        page.select_option("#batch-format", "csv")
        page.click("#batch-submit")
        page.wait_for_selector("#batch-result:not([hidden])", timeout=60000)
        assert "9" in page.locator("#batch-summary").inner_text()
        assert page.locator("#batch-busy").is_hidden()
        counts = page.locator("#batch-counts").inner_text()
        assert "禁止" in counts and "允许" in counts
        with page.expect_download() as info:
            page.click("#batch-download")
        assert info.value.suggested_filename == "batch-screened.csv"
        text = info.value.path().read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 9 and {r["verdict"] for r in rows} == {"allowed", "restricted", "forbidden"}
    assert not log.problems, log.problems


def test_page_bad_file_shows_the_error(server, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    with served_page(server, tmp_path) as (page, log):
        page.set_input_files("#check-file", str(bad))
        page.click("#check-submit")
        page.wait_for_selector("#check-error:not([hidden])", timeout=20000)
        assert page.locator("#check-error").inner_text().startswith("bad.geojson: not JSON")
        assert page.locator("#verdict").is_hidden()
    # the failed request is logged by Chromium as a console error (HTTP 400); nothing else may be
    assert [p for p in log.problems if "400" not in p] == []


def test_page_asks_for_the_token(pack, tmp_path):
    with running(create_app(Settings(pack=pack, token="tok-123"))) as url:
        assert httpx.get(url + "/api/v1/plan", timeout=10).status_code == 401
        require_browser()
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=SERVE_ARGS)
            try:
                page = browser.new_page()
                page.goto(url + "/", wait_until="load")
                page.wait_for_selector("#token-box:not([hidden])", timeout=15000)
                assert page.locator("body[data-ready='1']").count() == 0  # no plan without the token
                page.fill("#token-input", "tok-123")
                page.click("#token-save")
                page.wait_for_selector("body[data-ready='1']", timeout=15000)
                assert page.locator("#check-error").is_hidden()
                assert "禁止" in check_file_in_page(page, EXAMPLES / "mining-forbidden.geojson")
                # the token can come in the address's fragment (never sent to the server) too
                fresh = browser.new_page()
                fresh.goto(url + "/#token=tok-123", wait_until="load")
                fresh.wait_for_selector("body[data-ready='1']", timeout=15000)
                assert "token" not in fresh.url
            finally:
                browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("token", [None, "tok-9"])
def test_the_serve_command_runs(token):
    """``mineplan serve`` as a process: it answers on its port, honours --token, stops on Ctrl+C."""
    port = free_port()
    args = [sys.executable, "-m", "mineplan.cli", "serve", "--port", str(port)] + (["--token", token] if token else [])
    env = {k: v for k, v in os.environ.items() if k != "MINEPLAN_TOKEN"}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "mineplan serve did not answer in 60 s"
            try:
                r = httpx.get(url + "/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        if token:
            assert r.status_code == 401
            r = httpx.get(url + "/api/v1/health", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert r.status_code == 200 and r.json()["status"] == "ok"
        body = (EXAMPLES / "mining-forbidden.geojson").read_bytes()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        assert httpx.post(url + "/api/v1/check", content=body, headers=headers, timeout=30).json()["verdict"] == \
            "forbidden"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert proc.returncode == 0, err
    assert f"at http://127.0.0.1:{port}/" in err
