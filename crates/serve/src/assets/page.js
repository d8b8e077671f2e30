// The workshop page: choose a scenario, change its inputs, see the summary re-run.
// No libraries: the page must work offline and be served whole by the binary.
"use strict";
const viewer = Math.random().toString(36).slice(2) + Date.now().toString(36);
const $ = (s) => document.querySelector(s);
let scenario = null, pending = null, timer = null, runs = 0;

function setState(s) { document.body.dataset.state = s; }

function changes() {
  const out = {};
  for (const i of document.querySelectorAll("#controls input[data-key]")) {
    if (i.value.trim() !== i.dataset.original) out[i.dataset.key] = i.value.trim();
  }
  return out;
}

function showErrors(errors) {
  for (const e of document.querySelectorAll("#controls .err")) e.textContent = "";
  const general = [];
  for (const e of errors || []) {
    const text = e.message + (e.help ? " (" + e.help + ")" : "");
    const slot = [...document.querySelectorAll("[data-error-for]")].find((x) => x.dataset.errorFor === e.key);
    if (slot) slot.textContent = text; else general.push(text);
  }
  const f = $("#form-error");
  if (f) f.textContent = general.join(" ");
}

async function post(path, body, signal) {
  const r = await fetch(path, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify(body), signal,
  });
  let data = {};
  try { data = await r.json(); } catch (_) { data = { errors: [{ key: "", message: r.statusText }] }; }
  return [r.status, data];
}

async function progress(controller) {
  const bar = $("#progress");
  const started = Date.now();
  while (pending === controller) {
    await new Promise((ok) => setTimeout(ok, 150));
    if (pending !== controller) break;
    try {
      const p = await (await fetch("/api/progress?viewer=" + viewer)).json();
      if (Date.now() - started > 300 && p.total > 0) {
        bar.hidden = false; bar.max = p.total; bar.value = p.done;
        $("#status").textContent = "Re-running: " + p.done + " of " + p.total + " replications";
      }
    } catch (_) { break; }
  }
}

async function rerun() {
  if (!scenario) return;
  if (pending) pending.abort();
  const controller = new AbortController();
  pending = controller;
  setState("running");
  progress(controller);
  try {
    const sent = changes();
    const [status, data] = await post("/api/run", { scenario, changes: sent, viewer }, controller.signal);
    if (pending !== controller) return;
    if (status === 200) {
      showErrors([]);
      $("#results").innerHTML = data.html;
      $("#status").textContent = "";
      runs += 1;
      document.body.dataset.runs = runs;
      document.body.dataset.shown = JSON.stringify(sent);
      setState("idle");
    } else if (status !== 409) {
      showErrors(data.errors);
      $("#status").textContent = "Not re-run: see the message beside the input.";
      setState("invalid");
    }
  } catch (e) {
    if (e.name !== "AbortError") { $("#status").textContent = "The server did not answer: " + e; setState("invalid"); }
  } finally {
    if (pending === controller) { pending = null; $("#progress").hidden = true; }
  }
}

function later() { clearTimeout(timer); timer = setTimeout(rerun, 250); }

async function choose(name) {
  scenario = name;
  for (const b of document.querySelectorAll("[data-scenario]")) b.classList.toggle("chosen", b.dataset.scenario === name);
  history.replaceState(null, "", "#" + encodeURIComponent(name));
  const r = await fetch("/api/scenarios/" + encodeURIComponent(name));
  const data = await r.json();
  if (r.status !== 200) { $("#status").textContent = data.errors[0].message; return; }
  $("#controls").innerHTML = data.html;
  $("#reset").onclick = () => {
    for (const i of document.querySelectorAll("#controls input[data-key]")) i.value = i.dataset.original;
    rerun();
  };
  $("#save").onclick = async () => {
    const [status, d] = await post("/api/save", { scenario, changes: changes(), viewer, name: $("#save-name").value.trim() });
    if (status === 201) $("#action-result").textContent = "Saved " + d.path + ": `carepath run " + d.path + "` gives these numbers.";
    else $("#action-result").textContent = (d.errors || []).map((e) => e.message + (e.help ? " (" + e.help + ")" : "")).join(" ");
  };
  $("#export").onclick = async () => {
    $("#action-result").textContent = "Exporting…";
    const [status, d] = await post("/api/export", { scenario, changes: changes(), viewer });
    $("#action-result").textContent = status === 200 ? "Wrote " + d.path : (d.errors || []).map((e) => e.message).join(" ");
  };
  rerun();
}

document.addEventListener("input", (e) => { if (e.target.matches("#controls input[data-key]")) later(); });
document.addEventListener("click", (e) => {
  const b = e.target.closest("[data-scenario]");
  if (b) choose(b.dataset.scenario);
});
const first = decodeURIComponent(location.hash.slice(1)) || (document.querySelector("[data-scenario]") || {}).dataset?.scenario;
if (first) choose(first);
