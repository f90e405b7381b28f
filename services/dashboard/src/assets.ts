/* The dashboard's only assets, served by the service itself (no CDN, no build step). */
export const APP_CSS = `
:root { --fg:#1d2330; --muted:#687084; --bg:#f6f7f9; --card:#fff; --accent:#2f5bd3; --err:#b3261e; --ok:#1b7f3b; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:2em; align-items:center; padding:.6em 1.5em; background:#1d2330; }
header a { color:#fff; text-decoration:none; margin-right:1.2em; }
header .brand { font-weight:700; font-size:1.1em; }
main { padding:1em 1.5em; max-width:1400px; }
a { color:var(--accent); }
h1 { font-size:1.4em; } h2 { font-size:1.1em; }
.cards { display:flex; gap:1em; flex-wrap:wrap; }
.card { background:var(--card); border:1px solid #dde1e8; border-radius:6px; padding:.2em 1em; min-width:14em; }
.cols { display:grid; grid-template-columns:1fr 1fr; gap:1em; }
table { border-collapse:collapse; background:var(--card); width:100%; }
th, td { text-align:left; padding:.3em .6em; border-bottom:1px solid #e6e8ee; vertical-align:top; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.bar { display:inline-block; height:.8em; background:var(--accent); border-radius:2px; min-width:1px; }
pre { background:var(--card); border:1px solid #dde1e8; padding:.6em; overflow:auto; max-height:40em; }
.code .k { color:#7a2bb5; font-weight:600; } .code .s { color:#1b7f3b; } .code .c { color:#8a8f9c; font-style:italic; } .code .n { color:#b55a00; }
.err { color:var(--err); } .ok { color:var(--ok); } .warn { color:#8a5a00; } .muted { color:var(--muted); }
.filters { display:flex; gap:.8em; flex-wrap:wrap; align-items:end; margin:.6em 0; }
.filters label { display:flex; flex-direction:column; font-size:.85em; color:var(--muted); }
#feed { list-style:none; padding:0; max-height:30em; overflow:auto; }
#feed li, #denies li { padding:.25em .4em; border-bottom:1px solid #e6e8ee; background:var(--card); }
#feed li.fresh { animation: flash 2s ease-out; }
@keyframes flash { from { background:#fff3b0; } to { background:var(--card); } }
.tag { font-size:.8em; padding:0 .4em; border-radius:3px; background:#e6e8ee; }
li.admission .tag { background:#fde2e0; color:var(--err); }
.pager a { margin:0 .5em; }
#runs-chart svg { background:var(--card); border:1px solid #dde1e8; border-radius:6px; max-width:60em; display:block; }
#runs-chart .tick { font-size:10px; fill:var(--muted); }
#runs-chart .axis { stroke:#8a8f9c; } #runs-chart .grid { stroke:#e6e8ee; stroke-dasharray:3 3; }
#runs-chart .run:hover .seg { opacity:.8; }
.legend span { margin-right:1em; font-size:.85em; } .legend i { display:inline-block; width:.8em; height:.8em; margin-right:.3em; border-radius:2px; }
`;

export const APP_JS = `
(function () {
  "use strict";
  var feed = document.getElementById("feed");
  if (!feed || !window.EventSource) return;
  // A finished audit run: the server re-draws the chart, the page swaps it in.
  function refreshRuns() {
    var chart = document.getElementById("runs-chart");
    if (!chart || !window.fetch) return;
    fetch("/fragments/runs-chart", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { chart.outerHTML = html; })
      .catch(function () {});
  }
  function item(ev) {
    var li = document.createElement("li");
    li.className = (ev.source === "admission" ? "admission" : "audit") + " fresh";
    var tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = ev.source === "admission" ? "admission " + (ev.decision || ev.enforcementAction) : "audit";
    var a = document.createElement("a");
    a.href = "/constraints/" + encodeURIComponent(ev.kind) + "/" + encodeURIComponent(ev.name);
    a.textContent = ev.kind + "/" + ev.name;
    li.appendChild(tag);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(a);
    var where = (ev.resourceNamespace ? ev.resourceNamespace + "/" : "") + ev.resourceName;
    li.appendChild(document.createTextNode(" " + ev.resourceKind + " " + where + ": " + ev.message));
    return li;
  }
  var es = new EventSource("/events");
  es.addEventListener("run", refreshRuns);
  es.addEventListener("violation", function (m) {
    try {
      feed.insertBefore(item(JSON.parse(m.data)), feed.firstChild);
      while (feed.children.length > 200) feed.removeChild(feed.lastChild);
    } catch (e) {}
  });
})();
`;
