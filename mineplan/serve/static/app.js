/* mineplan serve: the page. Plain JavaScript, Leaflet from /vendor, data only from /api/v1.
 * Every text that comes from input, the plan or findings is set with textContent, never assigned to
 * innerHTML; Leaflet's layer control, which takes HTML labels, gets them escaped (escapeHtml). */
(function () {
  "use strict";

  var I18N = {
    zh: {
      title: "矿产资源规划合规检查", tab_check: "单个申请检查", tab_batch: "批量筛查",
      token_label: "访问令牌（服务以 --token 启动）", token_save: "保存",
      drop_hint: "将申请文件拖放到此处，或选择文件（GeoJSON、Shapefile(.zip)、GeoPackage、KML、CSV/Excel 拐点坐标、TXT 等）",
      draw_start: "在地图上绘制多边形", draw_finish: "完成绘制", draw_clear: "清除",
      drawing: "在地图上单击添加拐点（至少 3 个），然后点“完成绘制”。已添加 {n} 个拐点。",
      drawn: "已绘制多边形（{n} 个拐点），将以它作为申请范围。", file_chosen: "已选择文件：{name}",
      attributes: "申请属性（留空则使用文件中的值）", from_file: "（文件中的值）",
      f_right_type: "权利类型", rt_mining: "采矿权", rt_exploration: "探矿权", rt_site: "建设项目",
      f_mineral: "矿种", f_method: "开采方式", m_open_pit: "露天", m_underground: "地下", m_well: "钻井",
      f_output: "设计生产规模", f_unit: "单位", u_wt: "万吨/年", u_wm3: "万立方米/年",
      f_licence_years: "出让年限（年）", f_green_mine: "绿色矿山承诺", yes: "是", no: "否",
      f_grant: "出让方式", g_tender: "招标", g_auction: "拍卖", g_listing: "挂牌", g_agreement: "协议",
      f_applicant: "申请人", f_id: "申请编号", check_submit: "检查", checking: "正在检查…",
      need_input: "请先选择申请文件或在地图上绘制多边形。",
      verdict: "结论", applications: "{n} 项申请", report_download: "下载 JSON 报告", problems_only: "只显示问题",
      h_app: "申请", h_rule: "规则", h_severity: "结论", h_clause: "规划条款", h_message: "说明", h_facts: "量测",
      batch_hint: "上传一批申请（任何可读格式），每项申请得到一行结论。", batch_format: "结果格式",
      batch_submit: "开始筛查", batch_download: "下载筛查结果", need_batch: "请先选择要筛查的文件。",
      uploading: "正在上传… {p}", screening: "正在筛查（服务器处理中）…",
      batch_done: "已筛查 {rows} 项申请，用时 {s} 秒。", rows_label: "项",
      legend: "图例", application: "申请范围", unauthorized: "需要访问令牌：请在上方输入后重试。",
      network: "无法连接服务器：{m}", http_error: "服务器错误 {status}：{m}",
      v_allowed: "允许", v_restricted: "限制", v_forbidden: "禁止", v_error: "输入错误",
      s_pass: "通过", s_info: "提示", s_cannot_judge: "无法判定", s_restricted: "限制", s_forbidden: "禁止",
      lang_switch: "English"
    },
    en: {
      title: "Mineral-plan compliance check", tab_check: "Check one application", tab_batch: "Batch screening",
      token_label: "Access token (the server runs with --token)", token_save: "Save",
      drop_hint: "Drop an application file here, or pick one (GeoJSON, Shapefile (.zip), GeoPackage, KML, " +
        "CSV/Excel corner coordinates, TXT …)",
      draw_start: "Draw a polygon on the map", draw_finish: "Finish", draw_clear: "Clear",
      drawing: "Click the map to add vertices (at least 3), then press Finish. {n} vertices so far.",
      drawn: "Polygon drawn ({n} vertices); it is the application's extent.", file_chosen: "File: {name}",
      attributes: "Attributes (empty: the file's values)", from_file: "(from the file)",
      f_right_type: "Right type", rt_mining: "Mining right", rt_exploration: "Exploration right", rt_site: "Site",
      f_mineral: "Mineral", f_method: "Method", m_open_pit: "Open pit", m_underground: "Underground", m_well: "Well",
      f_output: "Annual output", f_unit: "Unit", u_wt: "10 kt/year", u_wm3: "10k m³/year",
      f_licence_years: "Licence years", f_green_mine: "Green-mine commitment", yes: "Yes", no: "No",
      f_grant: "Grant", g_tender: "Tender", g_auction: "Auction", g_listing: "Listing", g_agreement: "Agreement",
      f_applicant: "Applicant", f_id: "Application id", check_submit: "Check", checking: "Checking…",
      need_input: "Pick an application file or draw a polygon on the map first.",
      verdict: "Verdict", applications: "{n} application(s)", report_download: "Download the JSON report",
      problems_only: "Problems only",
      h_app: "Application", h_rule: "Rule", h_severity: "Result", h_clause: "Clause", h_message: "Finding",
      h_facts: "Measures",
      batch_hint: "Upload a batch of applications (any readable format); each gets one row with its verdict.",
      batch_format: "Output format", batch_submit: "Screen", batch_download: "Download the screened file",
      need_batch: "Pick a file to screen first.",
      uploading: "Uploading… {p}", screening: "Screening (the server is working)…",
      batch_done: "{rows} applications screened in {s} s.", rows_label: "rows",
      legend: "Legend", application: "Application", unauthorized: "A token is needed: enter it above and retry.",
      network: "Cannot reach the server: {m}", http_error: "Server error {status}: {m}",
      v_allowed: "Allowed", v_restricted: "Restricted", v_forbidden: "Forbidden", v_error: "Input error",
      s_pass: "pass", s_info: "info", s_cannot_judge: "cannot judge", s_restricted: "restricted",
      s_forbidden: "forbidden", lang_switch: "中文"
    }
  };
  var VERDICT_COLORS = { allowed: "#1a9850", restricted: "#f39c12", forbidden: "#d7191c", error: "#7b3294" };

  var state = {
    lang: "zh", plan: null, rules: {}, report: null, reportText: null, source: null,
    drawing: false, vertices: [], drawnLayer: null, appLayer: null, reportUrl: null, batchUrl: null
  };

  function $(id) { return document.getElementById(id); }
  function t(key, vars) {
    var text = (I18N[state.lang] && I18N[state.lang][key]) || I18N.zh[key] || key;
    Object.keys(vars || {}).forEach(function (k) { text = text.split("{" + k + "}").join(String(vars[k])); });
    return text;
  }
  /* el("td", {className: "x"}, "text", childNode): text children become text nodes. */
  function el(tag, props) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) { node[k] = props[k]; });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" || typeof child === "number" ?
        document.createTextNode(String(child)) : child);
    }
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function show(node, on) { node.hidden = !on; }

  /* ---------- the token (only when the server asks for one) ---------- */
  (function tokenFromFragment() {
    var m = /(?:^|[#&])token=([^&]+)/.exec(window.location.hash);
    if (m) {
      sessionStorage.setItem("mineplan-token", decodeURIComponent(m[1]));
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  })();
  function authHeaders() {
    var token = sessionStorage.getItem("mineplan-token");
    return token ? { "Authorization": "Bearer " + token } : {};
  }
  function needToken() { show($("token-box"), true); $("token-input").focus(); }
  $("token-save").addEventListener("click", function () {
    sessionStorage.setItem("mineplan-token", $("token-input").value.trim());
    show($("token-box"), false);
    show($("check-error"), false);
    show($("batch-error"), false);
    if (!state.plan) init();  /* the plan and its map load once */
  });

  function api(path, options) {
    options = options || {};
    var headers = Object.assign({}, authHeaders(), options.headers || {});
    return fetch(path, Object.assign({}, options, { headers: headers })).then(function (resp) {
      if (resp.status === 401) needToken();
      return resp;
    });
  }
  function errorText(status, bodyText) {
    var message = bodyText;
    try {
      var body = JSON.parse(bodyText);
      if (body && body.error) message = body.error + (body.error_id ? " (id " + body.error_id + ")" : "");
    } catch (e) { /* not JSON: show the text as it is */ }
    if (status === 401) return t("unauthorized");
    return status >= 500 ? t("http_error", { status: status, m: message }) : message;
  }

  /* ---------- language ---------- */
  function applyLang() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    $("lang-switch").textContent = t("lang_switch");
    $("lang-switch").lang = state.lang === "zh" ? "en" : "zh";
    if (state.plan) $("plan-name").textContent = state.lang === "zh" ? state.plan.name_zh : state.plan.name_en;
    document.title = "mineplan · " + t("title");
    renderLegend();
    labelOverlays();
    if (state.report) renderReport();
    if (state.status) setStatus(state.status[0], state.status[1]);
  }
  $("lang-switch").addEventListener("click", function () {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("mineplan-lang", state.lang);
    applyLang();
  });

  /* ---------- tabs ---------- */
  function selectTab(name) {
    ["check", "batch"].forEach(function (n) {
      var on = n === name;
      $("tab-" + n).classList.toggle("active", on);
      $("tab-" + n).setAttribute("aria-selected", on ? "true" : "false");
      show($(n + "-pane"), on);
    });
  }
  $("tab-check").addEventListener("click", function () { selectTab("check"); });
  $("tab-batch").addEventListener("click", function () { selectTab("batch"); });

  /* ---------- the map ---------- */
  var map = L.map("map", { preferCanvas: false, zoomSnap: 0.25 }).setView([36.7, 118.8], 10);
  var overlays = {};
  var layerControl = L.control.layers(null, {}, { collapsed: true }).addTo(map);
  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () { this._div = L.DomUtil.create("div", "legend"); return this._div; };
  legend.addTo(map);

  function renderLegend() {
    var div = legend._div;
    if (!div || !state.plan) return;
    clear(div);
    div.appendChild(el("strong", {}, t("legend")));
    state.plan.layers.forEach(function (layer) {
      var swatch = el("i");
      swatch.style.background = layer.style.kind === "line" ? layer.style.color : layer.style.fillColor;
      swatch.style.borderColor = layer.style.color;
      div.appendChild(el("div", {}, swatch, state.lang === "zh" ? layer.style.label_zh : layer.style.label_en));
    });
    var app = el("i");
    app.style.background = "#555";
    div.appendChild(el("div", {}, app, t("application")));
  }

  function featureStyle(layer) {
    return function (feature) {
      var cls = feature.properties && feature.properties["class"];
      var style = (cls && state.plan.class_styles[cls]) || layer.style;
      return { color: style.color, weight: style.weight, opacity: style.opacity, fillColor: style.fillColor,
        fillOpacity: style.fillOpacity, dashArray: style.dashArray || null };
    };
  }
  function popupFor(layer, feature) {
    var p = feature.properties || {};
    var name = state.lang === "zh" ? (p.name_zh || p.name_en) : (p.name_en || p.name_zh);
    return el("div", {}, el("strong", {}, p.code || ""), el("br"), name || "",
      el("br"), el("small", {}, state.lang === "zh" ? layer.title_zh : layer.title_en));
  }
  function loadLayers() {
    var roles = [];
    state.plan.layers.forEach(function (layer) { if (roles.indexOf(layer.role) < 0) roles.push(layer.role); });
    return Promise.all(roles.map(function (role) {
      return api("/api/v1/layers/" + encodeURIComponent(role)).then(function (r) { return r.json(); })
        .then(function (doc) { return [role, doc]; });
    })).then(function (docs) {
      var byRole = {};
      docs.forEach(function (d) { byRole[d[0]] = d[1]; });
      state.plan.layers.forEach(function (layer) {
        var doc = byRole[layer.role];
        var features = (doc.features || []).filter(function (f) { return f.properties.layer === layer.name; });
        var gj = L.geoJSON({ type: "FeatureCollection", features: features }, {
          style: featureStyle(layer),
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, Object.assign(featureStyle(layer)(f), { radius: 5 }));
          },
          /* not bindPopup: its click handler stops the event, and while drawing the map needs every click */
          onEachFeature: function (f, lyr) {
            lyr.on("click", function (e) {
              if (!state.drawing) L.popup().setLatLng(e.latlng).setContent(popupFor(layer, f)).openOn(map);
            });
          }
        }).addTo(map);
        overlays[layer.name] = gj;
        if (layer.role === "county" && gj.getBounds().isValid()) map.fitBounds(gj.getBounds(), { padding: [10, 10] });
      });
      labelOverlays();
    });
  }
  /* Leaflet's layer control sets its labels as HTML: give it the titles escaped. */
  function escapeHtml(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }
  function labelOverlays() {
    if (!state.plan) return;
    state.plan.layers.forEach(function (layer) {
      var gj = overlays[layer.name];
      if (!gj) return;
      layerControl.removeLayer(gj);
      layerControl.addOverlay(gj, escapeHtml(state.lang === "zh" ? layer.title_zh : layer.title_en));
    });
  }

  /* ---------- drawing a polygon ---------- */
  function setStatus(key, vars) {
    state.status = key ? [key, vars] : null;
    $("input-status").textContent = key ? t(key, vars) : "";
  }
  function drawStatus() {
    if (state.drawing) setStatus("drawing", { n: state.vertices.length });
    else if (state.source === "drawn") setStatus("drawn", { n: state.vertices.length });
  }
  function redrawSketch() {
    if (state.drawnLayer) map.removeLayer(state.drawnLayer);
    state.drawnLayer = null;
    if (!state.vertices.length) return;
    var latlngs = state.vertices.map(function (v) { return [v[1], v[0]]; });
    state.drawnLayer = (state.drawing ? L.polyline(latlngs, { color: "#333", dashArray: "4 4" }) :
      L.polygon(latlngs, { color: "#333", weight: 2, fillOpacity: 0.25 })).addTo(map);
  }
  $("draw-start").addEventListener("click", function () {
    state.drawing = true; state.vertices = []; state.source = null;
    map.closePopup();
    $("draw-finish").disabled = true;
    map.getContainer().style.cursor = "crosshair";
    redrawSketch(); drawStatus();
  });
  map.on("click", function (e) {
    if (!state.drawing) return;
    state.vertices.push([e.latlng.lng, e.latlng.lat]);
    $("draw-finish").disabled = state.vertices.length < 3;
    redrawSketch(); drawStatus();
  });
  $("draw-finish").addEventListener("click", function () {
    if (state.vertices.length < 3) return;
    state.drawing = false; state.source = "drawn";
    map.getContainer().style.cursor = "";
    $("draw-finish").disabled = true;
    if (state.appLayer) { map.removeLayer(state.appLayer); state.appLayer = null; }
    redrawSketch(); drawStatus();
  });
  $("draw-clear").addEventListener("click", function () {
    state.drawing = false; state.vertices = [];
    if (state.source === "drawn") state.source = null;
    map.getContainer().style.cursor = "";
    $("draw-finish").disabled = true;
    redrawSketch();
    setStatus(null);
  });
  function drawnBody() {
    var ring = state.vertices.slice();
    ring.push(ring[0]);
    return JSON.stringify({ type: "FeatureCollection", features: [
      { type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [ring] } }] });
  }

  /* ---------- choosing or dropping a file ---------- */
  function fileChosen() {
    var file = $("check-file").files[0];
    if (!file) return;
    state.source = "file";
    state.drawing = false;
    setStatus("file_chosen", { name: file.name });
    showApplicationFromFile(file);
  }
  $("check-file").addEventListener("change", fileChosen);
  var drop = $("drop");
  ["dragenter", "dragover"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    $("check-file").files = e.dataTransfer.files;
    fileChosen();
  });
  /* GeoJSON files are drawn on the map as they are; other formats are only checked. */
  function showApplicationFromFile(file) {
    if (state.appLayer) { map.removeLayer(state.appLayer); state.appLayer = null; }
    if (!/\.(geo)?json$/i.test(file.name) || file.size > 20e6) return;
    file.text().then(function (text) {
      var layer = L.geoJSON(JSON.parse(text), { style: { color: "#333", weight: 2, fillOpacity: 0.3 } });
      state.appLayer = layer.addTo(map);
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { maxZoom: 13, padding: [40, 40] });
    }).catch(function () { /* the server will say what is wrong with it */ });
  }
  function colourApplication(verdict) {
    var layer = state.source === "drawn" ? state.drawnLayer : state.appLayer;
    if (layer && layer.setStyle) layer.setStyle({ color: VERDICT_COLORS[verdict] || "#333",
      fillColor: VERDICT_COLORS[verdict] || "#333", fillOpacity: 0.45, weight: 3 });
  }

  /* ---------- checking ---------- */
  function formParams() {
    var params = new URLSearchParams();
    var form = $("check-form");
    ["right_type", "mineral", "method", "annual_output", "output_unit", "licence_years", "green_mine", "grant",
      "applicant", "id"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value !== "") params.set(name, value);
    });
    return params.toString();
  }
  function showCheckError(message) {
    $("check-error").textContent = message;
    show($("check-error"), true);
  }
  $("check-form").addEventListener("submit", function (e) {
    e.preventDefault();
    show($("check-error"), false);
    var body, headers = {};
    if (state.source === "drawn" && state.vertices.length >= 3) {
      body = drawnBody();
      headers["Content-Type"] = "application/geo+json";
    } else if ($("check-file").files.length) {
      body = new FormData();
      body.append("file", $("check-file").files[0]);
    } else {
      showCheckError(t("need_input"));
      return;
    }
    var query = formParams();
    $("check-submit").disabled = true;
    show($("busy"), true);
    api("/api/v1/check" + (query ? "?" + query : ""), { method: "POST", body: body, headers: headers })
      .then(function (resp) {
        return resp.text().then(function (text) {
          if (!resp.ok) { showCheckError(errorText(resp.status, text)); return; }
          state.report = JSON.parse(text);
          state.reportText = text;
          renderReport();
          colourApplication(state.report.verdict);
        });
      })
      .catch(function (err) { showCheckError(t("network", { m: err.message })); })
      .then(function () { $("check-submit").disabled = false; show($("busy"), false); });
  });

  /* A measured value as short text: features in a list by their name (or code) and distance. */
  function factValue(v) {
    if (v === null || typeof v !== "object") return String(v);
    if (Array.isArray(v)) return "[" + v.map(factValue).join(", ") + "]";
    var name = v["name_" + state.lang] || v.name_zh || v.code;
    if (name) return String(name) + (v.distance_m !== undefined ? " " + v.distance_m + " m" : "");
    return JSON.stringify(v);
  }
  function factsText(facts) {
    return Object.keys(facts || {}).map(function (k) { return k + "=" + factValue(facts[k]); }).join("; ");
  }
  function renderReport() {
    var report = state.report;
    var banner = $("verdict");
    banner.className = "banner verdict-" + report.verdict;
    clear(banner);
    banner.appendChild(document.createTextNode(t("verdict") + (state.lang === "zh" ? "：" : ": ") +
      t("v_" + report.verdict)));
    banner.appendChild(el("small", {}, t("applications", { n: report.results.length }) + " · " + report.plan.id +
      " " + report.plan.version));
    show(banner, true);

    if (state.reportUrl) URL.revokeObjectURL(state.reportUrl);
    state.reportUrl = URL.createObjectURL(new Blob([state.reportText], { type: "application/json" }));
    var link = $("report-download");
    link.href = state.reportUrl;
    link.download = "mineplan-check-" + (report.results.length === 1 ? report.results[0].id : "report") + ".json";
    show($("report-tools"), true);

    var problemsOnly = $("problems-only").checked;
    var tbody = $("findings").querySelector("tbody");
    clear(tbody);
    report.results.forEach(function (result) {
      var head = el("tr", { className: "app-row" },
        el("td", {}, result.id), el("td", { colSpan: 5 }, t("v_" + result.verdict) +
          (result.error ? " — " + result.error : "")));
      tbody.appendChild(head);
      result.findings.forEach(function (f) {
        if (problemsOnly && (f.severity === "pass" || f.severity === "info")) return;
        var rule = state.rules[f.rule];
        var ruleCell = el("td", { className: "rule" }, f.rule);
        if (rule) ruleCell.title = state.lang === "zh" ? rule.title_zh : rule.title_en;
        tbody.appendChild(el("tr", { className: "finding" },
          el("td", {}, ""), ruleCell,
          el("td", { className: "sev sev-" + f.severity }, t("s_" + f.severity)),
          el("td", {}, f.clause || ""),
          el("td", { className: "message" }, state.lang === "zh" ? f.message_zh : f.message_en),
          el("td", { className: "facts" }, factsText(f.facts))));
      });
    });
    show($("findings"), true);
  }
  $("problems-only").addEventListener("change", function () { if (state.report) renderReport(); });

  /* ---------- batch screening ---------- */
  function filenameFrom(disposition, fallback) {
    var m = /filename\*=utf-8''([^;]+)/i.exec(disposition || "");
    if (m) return decodeURIComponent(m[1]);
    m = /filename="([^"]+)"/i.exec(disposition || "");
    return m ? m[1] : fallback;
  }
  function batchError(message) {
    $("batch-error").textContent = message;
    show($("batch-error"), true);
  }
  $("batch-form").addEventListener("submit", function (e) {
    e.preventDefault();
    show($("batch-error"), false);
    show($("batch-result"), false);
    var file = $("batch-file").files[0];
    if (!file) { batchError(t("need_batch")); return; }
    var format = $("batch-format").value;
    var body = new FormData();
    body.append("file", file);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/screen?format=" + encodeURIComponent(format));
    var auth = authHeaders();
    Object.keys(auth).forEach(function (k) { xhr.setRequestHeader(k, auth[k]); });
    xhr.responseType = "blob";
    var progress = $("batch-progress");
    progress.value = 0; progress.max = 1;
    $("batch-stage").textContent = t("uploading", { p: "0%" });
    show($("batch-busy"), true);
    $("batch-submit").disabled = true;
    xhr.upload.onprogress = function (ev) {
      if (!ev.lengthComputable) return;
      progress.value = ev.loaded / ev.total;
      $("batch-stage").textContent = t("uploading", { p: Math.round(100 * ev.loaded / ev.total) + "%" });
    };
    xhr.upload.onload = function () {
      progress.removeAttribute("value");  /* indeterminate while the server screens */
      $("batch-stage").textContent = t("screening");
    };
    function done() { show($("batch-busy"), false); $("batch-submit").disabled = false; }
    xhr.onerror = function () { done(); batchError(t("network", { m: "XMLHttpRequest" })); };
    xhr.onload = function () {
      done();
      if (xhr.status === 401) needToken();
      if (xhr.status !== 200) {
        xhr.response.text().then(function (text) { batchError(errorText(xhr.status, text)); });
        return;
      }
      var summary = {};
      try { summary = JSON.parse(xhr.getResponseHeader("X-Mineplan-Summary") || "{}"); } catch (err) { summary = {}; }
      $("batch-summary").textContent = t("batch_done", { rows: summary.rows, s: summary.seconds });
      var tbody = $("batch-counts").querySelector("tbody");
      clear(tbody);
      ["allowed", "restricted", "forbidden", "error"].forEach(function (v) {
        var n = (summary.verdicts || {})[v] || 0;
        tbody.appendChild(el("tr", { className: "count-" + v },
          el("td", { className: "verdict-" + v }, " "), el("td", {}, t("v_" + v)), el("td", {}, String(n))));
      });
      if (state.batchUrl) URL.revokeObjectURL(state.batchUrl);
      state.batchUrl = URL.createObjectURL(xhr.response);
      var link = $("batch-download");
      link.href = state.batchUrl;
      link.download = filenameFrom(xhr.getResponseHeader("Content-Disposition"), "screened." + format);
      show($("batch-result"), true);
    };
    xhr.send(body);
  });

  /* ---------- start ---------- */
  function init() {
    return api("/api/v1/plan").then(function (resp) {
      if (!resp.ok) return resp.text().then(function (text) { showCheckError(errorText(resp.status, text)); });
      return resp.json().then(function (plan) {
        state.plan = plan;
        var list = $("minerals");
        clear(list);
        (plan.minerals || []).forEach(function (m) { list.appendChild(el("option", { value: m })); });
        applyLang();
        api("/api/v1/rules").then(function (r) { return r.ok ? r.json() : []; }).then(function (rules) {
          rules.forEach(function (rule) { state.rules[rule.code] = rule; });
        });
        return loadLayers().then(function () { document.body.setAttribute("data-ready", "1"); });
      });
    }).catch(function (err) { showCheckError(t("network", { m: err.message })); });
  }
  state.lang = /[?&]lang=en\b/.test(window.location.search) ? "en" :
    (localStorage.getItem("mineplan-lang") === "en" ? "en" : "zh");
  applyLang();
  init();
})();
