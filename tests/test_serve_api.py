"""The web API through FastAPI's TestClient: every route, its errors, the token and the size limit.

POST /check is compared with what ``mineplan check FILE --format json`` prints for the same file
(and the same overrides), so the API cannot drift from the CLI.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import tempfile

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES
from fastapi.testclient import TestClient

from mineplan.cli import cli
from mineplan.serve import Settings, create_app
from mineplan.serve.auth import is_loopback
from mineplan.serve.uploads import safe_name

GEOJSON_EXAMPLES = sorted(EXAMPLES.glob("*.geojson"))
#: each example's verdict, as the README's table states it
VERDICTS = {p.stem: p.stem.split("-")[1] for p in GEOJSON_EXAMPLES} | {"site-outside": "restricted"}


@pytest.fixture(scope="module")
def app(pack):
    return create_app(Settings(pack=pack))


@pytest.fixture
def client(app, tmp_path, monkeypatch):
    """A client whose server puts its temporary files under tmp_path/scratch (checked empty after)."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    assert list(scratch.iterdir()) == [], "a request left temporary files behind"


def cli_json(path, *args, cwd=None) -> tuple[dict | None, str]:
    """(parsed stdout, stderr) of ``mineplan check PATH --format json ARGS``."""
    runner = CliRunner()
    result = runner.invoke(cli, ["check", str(path), "--format", "json", *args])
    out = result.stdout.strip()
    return (json.loads(out) if out else None), result.stderr


def feature_collection(*paths) -> dict:
    features = []
    for path in paths:
        features.extend(json.loads(path.read_text(encoding="utf-8"))["features"])
    return {"type": "FeatureCollection", "features": features}


# --- health, plan, rules, layers, docs ----------------------------------------------------------------


def test_health(client, pack):
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["plan"] == pack.identity()


def test_plan_lists_every_layer_with_its_count(client, pack):
    body = client.get("/api/v1/plan").json()
    assert body["id"] == pack.plan["id"] and body["version"] == pack.plan["version"]
    assert body["data_sha256"] == pack.data_sha256
    layers = {la["name"]: la for la in body["layers"]}
    assert set(layers) == set(pack.layers)
    for name, layer in pack.layers.items():
        assert layers[name]["role"] == layer.role
        assert layers[name]["features"] == len(layer.frame)
        assert layers[name]["title_zh"] == layer.title_zh
    assert "建筑石料用灰岩" in body["minerals"]


def test_rules_list_and_one_rule(client, pack):
    rules = client.get("/api/v1/rules").json()
    assert [r["code"] for r in rules] == list(pack.rule_set.codes)
    one = client.get("/api/v1/rules/x210")
    assert one.status_code == 200
    body = one.json()
    assert body["code"] == "X210" and body["clause"] == pack.config["catalogue"]["X210"]["clause"]
    assert body["text_zh"] == pack.config["catalogue"]["X210"]["text_zh"]
    missing = client.get("/api/v1/rules/Z999")
    assert missing.status_code == 404 and "Z999" in missing.json()["error"]


def test_rule_view_says_what_the_rules_command_says(pack):
    from mineplan.catalogue_view import find_rule

    shown = CliRunner().invoke(cli, ["rules", "X220"]).stdout
    rule = find_rule(pack, "X220")
    for value in (rule["title_zh"], rule["title_en"], rule["clause"], rule["severity"]):
        assert value in shown


def test_layers_as_wgs84_geojson(client, pack):
    r = client.get("/api/v1/layers/mining_block")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    assert doc["type"] == "FeatureCollection" and doc["crs"] == "EPSG:4326"
    assert len(doc["features"]) == sum(len(la.frame) for la in pack.layers_with_role("mining_block"))
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    lon, lat = ring[0][:2] if isinstance(ring[0][0], float) else ring[0][0][:2]
    assert 118 < lon < 119.5 and 36 < lat < 37.2
    assert {f["properties"]["code"] for f in doc["features"]} == set(pack.features("mining_block")["code"])
    missing = client.get("/api/v1/layers/nope")
    assert missing.status_code == 404 and "mining_block" in missing.json()["error"]


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/health", "/api/v1/plan", "/api/v1/rules", "/api/v1/rules/{code}", "/api/v1/check",
                 "/api/v1/screen", "/api/v1/layers/{role}"):
        assert path in spec["paths"], path
    assert "multipart/form-data" in spec["paths"]["/api/v1/screen"]["post"]["requestBody"]["content"]
    assert "application/geo+json" in spec["paths"]["/api/v1/check"]["post"]["requestBody"]["content"]
    assert client.get("/docs").status_code == 200


def test_page_and_its_assets(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "/vendor/leaflet.js" in page.text and "/static/app.js" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    for asset in ("/vendor/leaflet.js", "/vendor/leaflet.css", "/static/app.js", "/static/app.css"):
        assert client.get(asset).status_code == 200, asset
    assert not re.search(r"innerHTML\s*[+]?=(?!=)", client.get("/static/app.js").text)  # never assigned


# --- check ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", GEOJSON_EXAMPLES, ids=lambda p: p.stem)
def test_check_is_the_cli_json(client, path):
    expected, _ = cli_json(path)
    r = client.post("/api/v1/check", content=path.read_bytes(), headers={"content-type": "application/geo+json"})
    assert r.status_code == 200
    assert r.json() == expected
    assert r.json()["verdict"] == VERDICTS[path.stem]


def test_check_multipart_upload_of_any_format(client):
    notice = EXAMPLES / "mining-notice.txt"
    expected, _ = cli_json(notice)
    with open(notice, "rb") as fh:
        r = client.post("/api/v1/check", files={"file": ("notice.txt", fh, "text/plain")})
    assert r.status_code == 200 and r.json() == expected


def test_check_a_single_feature(client):
    doc = json.loads((EXAMPLES / "mining-forbidden.geojson").read_text(encoding="utf-8"))
    r = client.post("/api/v1/check", json=doc["features"][0])
    assert r.status_code == 200
    body = r.json()
    assert body["verdict"] == "forbidden" and [x["id"] for x in body["results"]] == ["MIN-F"]


def test_check_query_parameters_are_the_cli_overrides(client):
    path = EXAMPLES / "mining-allowed.geojson"
    expected, _ = cli_json(path, "--annual-output", "1", "--green-mine", "--id", "Q-1", "--output-unit", "万吨/年")
    r = client.post("/api/v1/check?annual_output=1&green_mine=true&id=Q-1&output_unit=万吨/年",
                    content=path.read_bytes())
    assert r.status_code == 200 and r.json() == expected
    assert expected["results"][0]["id"] == "Q-1"
    plain = client.post("/api/v1/check", content=path.read_bytes()).json()
    assert plain != expected  # the overrides changed the answer


def test_check_bad_json_gives_the_cli_message(client, tmp_path, monkeypatch):
    body = b'{"type": "FeatureCollection", "features": [}'
    r = client.post("/api/v1/check", content=body)
    assert r.status_code == 400
    message = r.json()["error"]
    # the CLI on a file of the same name says the same line (the client never sees our temporary path)
    (tmp_path / "request.geojson").write_bytes(body)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "request.geojson", "--format", "json"])
    assert result.exit_code == 2
    assert f"mineplan: error: {message}" in result.stderr
    assert "mineplan-serve-" not in message and "/tmp" not in message


@pytest.mark.parametrize(("query", "body", "status", "words"), [
    ("right_type=bogus", None, 400, "unknown right type 'bogus'"),
    ("annual_output=abc", None, 422, "annual_output"),
    ("radius=-1", None, 422, "radius"),
    ("crs=EPSG:999999", None, 400, "EPSG:999999"),
    ("", b"", 400, "empty request body"),
    ("", b'{"type": "Point", "coordinates": "x"}', 400, "request.geojson"),
])
def test_check_bad_input_is_a_4xx_with_one_line(client, query, body, status, words):
    data = (EXAMPLES / "mining-allowed.geojson").read_bytes() if body is None else body
    r = client.post(f"/api/v1/check?{query}", content=data)
    assert r.status_code == status, r.text
    message = r.json()["error"]
    assert words in message and "\n" not in message and "Traceback" not in r.text


def test_check_upload_problems(client):
    r = client.post("/api/v1/check", files={"other": ("a.geojson", b"{}")})
    assert r.status_code == 400 and "'file'" in r.json()["error"]
    r = client.post("/api/v1/check", files={"file": ("a.doc", b"hello")})
    assert r.status_code == 400 and "unknown format" in r.json()["error"] and r.json()["error"].startswith("a.doc")
    r = client.post("/api/v1/check", files={"file": ("a.geojson", b"")})
    assert r.status_code == 400 and "empty" in r.json()["error"]


def test_unknown_route_and_method(client):
    r = client.get("/api/v1/nothing")
    assert r.status_code == 404 and r.json() == {"error": "Not Found"}
    assert client.get("/api/v1/check").status_code == 405


def test_internal_error_is_a_500_with_a_logged_id(client, monkeypatch, caplog):
    import mineplan.checker

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(mineplan.checker, "check_file", broken)
    with caplog.at_level(logging.ERROR, logger="mineplan.serve"):
        r = client.post("/api/v1/check", content=(EXAMPLES / "mining-allowed.geojson").read_bytes())
    assert r.status_code == 500
    body = r.json()
    assert body["error"] == "internal error" and len(body["error_id"]) == 12
    assert "secret" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
    logged = [rec for rec in caplog.records if body["error_id"] in rec.getMessage()]
    assert logged and logged[0].exc_info and "secret internal detail" in str(logged[0].exc_info[1])
    monkeypatch.undo()  # the server keeps serving
    ok = client.post("/api/v1/check", content=(EXAMPLES / "mining-allowed.geojson").read_bytes())
    assert ok.status_code == 200 and ok.json()["verdict"] == "allowed"


# --- screen --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """All nine examples in one FeatureCollection, and each one's verdict by id."""
    path = tmp_path_factory.mktemp("batch") / "nine.geojson"
    path.write_text(json.dumps(feature_collection(*GEOJSON_EXAMPLES), ensure_ascii=False), encoding="utf-8")
    verdicts = {}
    for example in GEOJSON_EXAMPLES:
        doc = json.loads(example.read_text(encoding="utf-8"))
        verdicts[doc["features"][0]["properties"]["id"]] = VERDICTS[example.stem]
    return path, verdicts


def test_screen_csv(client, batch):
    path, verdicts = batch
    with open(path, "rb") as fh:
        r = client.post("/api/v1/screen?format=csv", files={"file": ("nine.geojson", fh)})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="nine-screened.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {row["id"]: row["verdict"] for row in rows} == verdicts
    summary = json.loads(r.headers["x-mineplan-summary"])
    assert summary["rows"] == 9 and summary["verdicts"] == {v: list(verdicts.values()).count(v)
                                                            for v in set(verdicts.values())}


@pytest.mark.parametrize("fmt", ["geojson", "parquet", "xlsx"])
def test_screen_other_formats(client, batch, fmt, tmp_path):
    import geopandas as gpd
    import pandas as pd

    path, verdicts = batch
    with open(path, "rb") as fh:
        r = client.post(f"/api/v1/screen?format={fmt}", files={"file": ("nine.geojson", fh)})
    assert r.status_code == 200, r.text
    out = tmp_path / f"out.{fmt}"
    out.write_bytes(r.content)
    frame = {"geojson": gpd.read_file, "parquet": gpd.read_parquet, "xlsx": pd.read_excel}[fmt](out)
    assert dict(zip(frame["id"], frame["verdict"], strict=True)) == verdicts


def test_screen_refuses_bad_requests(client, batch):
    path, _ = batch
    assert client.post("/api/v1/screen?format=pdf", files={"file": ("a.geojson", b"{}")}).status_code == 422
    r = client.post("/api/v1/screen", content=path.read_bytes(), headers={"content-type": "application/json"})
    assert r.status_code == 415 and "multipart" in r.json()["error"]
    r = client.post("/api/v1/screen", files={"file": ("bad.geojson", b"not json at all")})
    assert r.status_code == 400 and r.json()["error"].startswith("bad.geojson")


def test_screen_never_uses_the_client_path(client, batch, tmp_path):
    path, _ = batch
    with open(path, "rb") as fh:
        r = client.post("/api/v1/screen", files={"file": ("../../../../tmp/evil/x.geojson", fh)})
    assert r.status_code == 200
    assert 'filename="x-screened.csv"' in r.headers["content-disposition"]


@pytest.mark.parametrize("name", ["screened.geojson", "result", ".result", "out.geojson"])
def test_screen_upload_names_do_not_collide_with_the_output(client, batch, name):
    path, verdicts = batch
    with open(path, "rb") as fh:
        r = client.post("/api/v1/screen?format=geojson", files={"file": (name, fh)})
    if name in ("result", ".result"):  # no suffix: the reader says it does not know the format
        assert r.status_code == 400 and "unknown format" in r.json()["error"]
        return
    assert r.status_code == 200, r.text
    doc = r.json()
    assert {f["properties"]["id"]: f["properties"]["verdict"] for f in doc["features"]} == verdicts


def test_safe_name():
    assert safe_name("../../etc/passwd.geojson") == "passwd.geojson"
    assert safe_name("C:\\Users\\a\\申请 1.SHP.zip") == "申请 1.SHP.zip"
    assert safe_name("a;rm -rf.geojson") == "upload.geojson"
    assert safe_name(".bashrc") == "upload"
    assert safe_name(None) == "upload"
    assert safe_name("x.<script>") == "upload"


# --- token, loopback and size limit --------------------------------------------------------------------


def test_token_is_required_when_set(pack):
    with TestClient(create_app(Settings(pack=pack, token="s3cret"))) as c:
        r = c.get("/api/v1/health")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer" and "token" in r.json()["error"]
        assert c.get("/api/v1/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/v1/health", headers={"Authorization": "Basic s3cret"}).status_code == 401
        body = (EXAMPLES / "mining-allowed.geojson").read_bytes()
        assert c.post("/api/v1/check", content=body).status_code == 401
        good = {"Authorization": "Bearer s3cret"}
        assert c.get("/api/v1/health", headers=good).status_code == 200
        assert c.post("/api/v1/check", content=body, headers=good).json()["verdict"] == "allowed"
        assert c.get("/").status_code == 200  # the page holds no data; it asks for the token


def test_is_loopback():
    assert all(map(is_loopback, ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.5", "::", "example.org"]))


def test_upload_limit(pack, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    body = (EXAMPLES / "mining-allowed.geojson").read_bytes()
    with TestClient(create_app(Settings(pack=pack, max_upload_bytes=len(body) - 1))) as c:
        r = c.post("/api/v1/check", content=body)  # Content-Length says it
        assert r.status_code == 413 and "limit" in r.json()["error"]

        def chunks():  # no Content-Length: counted as it arrives
            for i in range(0, len(body), 256):
                yield body[i:i + 256]

        r = c.post("/api/v1/check", content=chunks())
        assert r.status_code == 413 and "limit" in r.json()["error"]
        r = c.post("/api/v1/screen", files={"file": ("a.geojson", body)})
        assert r.status_code == 413
    assert list(tmp_path.iterdir()) == []
    with TestClient(create_app(Settings(pack=pack, max_upload_bytes=len(body)))) as c:
        assert c.post("/api/v1/check", content=body).status_code == 200


# --- the command ---------------------------------------------------------------------------------------


def test_serve_help():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--token", "--max-upload-mb", "--max-screens"):
        assert option in result.output


def test_serve_refuses_a_public_host_without_token(monkeypatch):
    monkeypatch.delenv("MINEPLAN_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2 and "--token" in result.output


def test_warm_up_failure_is_not_fatal(pack, monkeypatch, caplog):
    import mineplan.checker

    def broken(*args, **kwargs):
        raise RuntimeError("engine not ready")

    monkeypatch.setattr(mineplan.checker, "check_file", broken)
    with caplog.at_level(logging.WARNING, logger="mineplan.serve"):
        app = create_app(Settings(pack=pack))
    assert any("warm-up check failed" in rec.getMessage() for rec in caplog.records)
    monkeypatch.undo()
    with TestClient(app) as c:
        assert c.get("/api/v1/health").status_code == 200


def test_where_is_the_siting_surface(client, pack):
    """GET /api/v1/where answers the surface of `mineplan where` for the profile in the query."""
    from mineplan.engine.options import RunOptions
    from mineplan.siting import surface

    params = {"right_type": "site"}
    r = client.get("/api/v1/where", params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    want = surface(pack, RunOptions(overrides=params)).area_by_verdict()
    assert doc["area_km2"] == pytest.approx(want)
    assert {f["properties"]["verdict"] for f in doc["features"]} == {"allowed", "restricted"}
    assert all(f["properties"]["rules"] in ("", "S270") for f in doc["features"])
    bad = client.get("/api/v1/where", params={"right_type": "site", "mineral": "unobtainium"})
    assert bad.status_code == 400 and "unobtainium" in bad.json()["error"]
