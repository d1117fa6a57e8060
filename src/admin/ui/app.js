// Over 400 lines on purpose: one script means no build step and one request for the page.
// The trunkmock dashboard: plain JavaScript over the admin API, no framework. Every call
// names the chosen session with X-Trunkmock-Session; the admin token, when there is one,
// travels in the HttpOnly cookie the server set, so the page never sees it.
"use strict";

const $ = (sel) => document.querySelector(sel);
const SESSION_HEADER = "X-Trunkmock-Session";
// The newest requests the page lists; older ones stay in GET /__admin/requests.
const JOURNAL_LIMIT = 200;

const ui = {
  session: localStorage.getItem("trunkmock.session") || "default",
  tab: "journal",
  entries: [],
  journalKey: "",
  openSeq: null,
  stateDump: null,
  examples: { scenarios: [], fault_templates: [] },
};

// ---- the admin API -------------------------------------------------------------------------

async function api(method, path, body) {
  const init = { method, headers: { [SESSION_HEADER]: ui.session }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const text = await resp.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
  if (!resp.ok) {
    const why = json && json.error ? json.error : text || resp.statusText;
    throw new Error(`${method} ${path}: ${resp.status} ${why}`);
  }
  return json;
}

function toast(message, bad) {
  const t = $("#toast");
  t.textContent = message;
  t.className = bad ? "bad" : "";
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, bad ? 6000 : 2500);
}

// Runs an action from a button, reporting failure instead of throwing into the console.
function guarded(fn) {
  return async (ev) => {
    if (ev && ev.preventDefault) ev.preventDefault();
    try { await fn(ev); } catch (e) { toast(e.message, true); }
  };
}

// ---- small helpers -------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

function localTime(iso, withDate) {
  const d = new Date(iso);
  if (isNaN(d)) return iso || "";
  // The admin API gives times to the second, so no milliseconds are shown.
  const time = d.toLocaleTimeString(undefined, { hour12: false });
  return withDate ? `${d.toLocaleDateString()} ${time}` : time;
}

function statusClass(status) {
  return status === 0 ? "s0" : `s${Math.floor(status / 100)}xx`;
}

function pretty(text) {
  if (text === null || text === undefined) return null;
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (_) { return text; }
}

function shellQuote(s) {
  return "'" + String(s).replace(/'/g, "'\\''") + "'";
}

// ---- sessions and clock --------------------------------------------------------------------

async function refreshSessions() {
  const data = await api("GET", "/__admin/sessions");
  const select = $("#session");
  const names = data.sessions.map((s) => s.name);
  if (!names.includes(ui.session)) names.push(ui.session);
  const current = Array.from(select.options).map((o) => o.value).join("\n");
  if (current !== names.join("\n")) {
    select.replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
  }
  select.value = ui.session;
  const me = data.sessions.find((s) => s.name === ui.session);
  $("#session-info").textContent = me
    ? `${me.requests} requests · age ${Math.round(me.age_seconds)} s · clock +${me.clock_offset_seconds} s`
    : "not created yet";
}

async function refreshClock() {
  const c = await api("GET", "/__admin/clock");
  $("#clock-now").textContent = localTime(c.now, true);
  $("#clock-now").title = `${c.now} (virtual time of the session, shown in your local time)`;
  $("#clock-offset").textContent = c.offset_seconds ? `(+${c.offset_seconds} s)` : "(real time)";
}

async function advanceClock() {
  const seconds = Number($("#advance-seconds").value);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error("seconds must be a number >= 0");
  await api("POST", "/__admin/clock/advance", { seconds });
  toast(`clock advanced ${seconds} s`);
  await Promise.all([refreshClock(), refreshTab(true)]);
}

async function resetSession() {
  await api("POST", "/__admin/reset");
  ui.openSeq = null;
  closeDetail();
  toast(`session ${ui.session} reset`);
  await Promise.all([refreshClock(), refreshJournal(true), refreshFaults(), refreshSessions()]);
  if (ui.tab === "state") await refreshState();
  if (ui.tab === "events") await refreshEvents();
}

// ---- journal -------------------------------------------------------------------------------

function filters() {
  return {
    family: $("#f-family").value,
    operation: $("#f-operation").value.trim(),
    status: $("#f-status").value,
    text: $("#f-text").value.trim().toLowerCase(),
  };
}

function matches(e, f) {
  if (f.family && e.family !== f.family) return false;
  if (f.operation && !(e.operation_id || "").toLowerCase().includes(f.operation.toLowerCase())) return false;
  if (f.status !== "" && String(Math.floor(e.status / 100)) !== f.status) return false;
  if (f.text) {
    const hay = [e.method, e.path, e.query, e.body, e.response_body, e.fault, e.problem, e.operation_id, e.user]
      .filter(Boolean).join("\n").toLowerCase();
    if (!hay.includes(f.text)) return false;
  }
  return true;
}

// Polled every second: a one-entry look first, and the full list only when the newest seq
// or the journal's size changed, so an idle page costs the server next to nothing.
async function refreshJournal(force) {
  if (!force) {
    const [newest, sessions] = await Promise.all([
      api("GET", "/__admin/requests?limit=1"), api("GET", "/__admin/sessions")]);
    const me = sessions.sessions.find((s) => s.name === ui.session);
    const mark = `${newest.requests.length ? newest.requests[0].seq : 0}/${me ? me.requests : 0}`;
    if (mark === ui.journalMark) return;
    ui.journalMark = mark;
  }
  const data = await api("GET", `/__admin/requests?limit=${JOURNAL_LIMIT}`);
  ui.entries = data.requests;
  renderJournal(false);
}

function renderJournal(force) {
  const f = filters();
  const shown = ui.entries.filter((e) => matches(e, f));
  const key = JSON.stringify([f, shown.map((e) => e.seq)]);
  $("#journal-count").textContent = ui.entries.length || "";
  fillFilterChoices();
  if (!force && key === ui.journalKey) return;
  ui.journalKey = key;
  const focused = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.seq : undefined;
  const rows = shown.map((e) => el("tr", {
    class: `entry ${statusClass(e.status)}${String(e.seq) === String(ui.openSeq) ? " open" : ""}`,
    tabindex: "0", "data-seq": e.seq,
  },
    el("td", { class: "time", title: e.time, text: localTime(e.time) }),
    el("td", { class: "method", text: e.method }),
    el("td", { class: "path", text: e.path + (e.query ? "?" + e.query : "") }),
    el("td", { class: "wide-only muted", text: e.operation_id || "—" }),
    el("td", {}, el("span", { class: `status ${statusClass(e.status)}`, text: e.status || "broken" })),
    el("td", { class: "wide-only num", text: e.duration_ms.toFixed(1) }),
    el("td", { class: "fault", text: e.fault || (e.problem ? "refused" : "") }),
  ));
  $("#journal tbody").replaceChildren(...rows);
  $("#journal-empty").hidden = shown.length > 0;
  $("#journal-empty").textContent = ui.entries.length
    ? "No request matches the filters." : "No requests yet in this session. Send one to the mock and it appears here.";
  if (focused !== undefined) {
    const again = document.querySelector(`#journal tr[data-seq="${focused}"]`);
    if (again) again.focus();
  }
  if (ui.openSeq !== null && !ui.entries.some((e) => String(e.seq) === String(ui.openSeq))) closeDetail();
}

function fillFilterChoices() {
  const families = [...new Set(ui.entries.map((e) => e.family).filter(Boolean))].sort();
  const select = $("#f-family");
  const have = Array.from(select.options).slice(1).map((o) => o.value);
  for (const fam of families) if (!have.includes(fam)) select.append(el("option", { value: fam, text: fam }));
  const ops = [...new Set(ui.entries.map((e) => e.operation_id).filter(Boolean))].sort();
  const list = $("#operations");
  if (list.children.length !== ops.length) list.replaceChildren(...ops.map((o) => el("option", { value: o })));
}

function section(title, ...content) {
  return el("section", { class: "part" }, el("h3", { text: title }), ...content);
}

function bodyBlock(text, id) {
  const p = pretty(text);
  return p === null ? el("p", { class: "muted", id, text: "(no body)" }) : el("pre", { class: "code", id, text: p });
}

function openDetail(seq) {
  const e = ui.entries.find((x) => String(x.seq) === String(seq));
  if (!e) return;
  ui.openSeq = e.seq;
  document.querySelectorAll("#journal tr.open").forEach((r) => r.classList.remove("open"));
  const row = document.querySelector(`#journal tr[data-seq="${e.seq}"]`);
  if (row) row.classList.add("open");
  $("#detail-title").replaceChildren(
    el("span", { class: `status ${statusClass(e.status)}`, text: e.status || "broken" }), " ",
    el("span", { class: "method", text: e.method }), " ", e.path);
  const facts = el("dl", { class: "facts" },
    el("dt", { text: "time" }), el("dd", { text: `${localTime(e.time, true)} (${e.time})` }),
    el("dt", { text: "family" }), el("dd", { text: e.family || "—" }),
    el("dt", { text: "operation" }), el("dd", { text: e.operation_id || "— (no route)" }),
    el("dt", { text: "query" }), el("dd", { class: "mono", text: e.query || "—" }),
    el("dt", { text: "duration" }), el("dd", { text: `${e.duration_ms.toFixed(2)} ms` }),
    el("dt", { text: "user" }), el("dd", { text: e.user || "anonymous" }),
    el("dt", { text: "fault" }), el("dd", { id: "detail-fault", text: e.fault ? (e.fault_rule ? `fault rule ${e.fault_rule}` : `Prefer header (${e.fault})`) : "none" }),
  );
  const headers = el("table", { class: "headers" }, ...Object.entries(e.headers || {}).map(([k, v]) =>
    el("tr", {}, el("th", { text: k }), el("td", { class: "mono", text: Array.isArray(v) ? v.join(", ") : v }))));
  const problem = e.problem
    ? [el("div", { class: "problem", id: "detail-problem" }, el("strong", { text: "Refused: " }), e.problem)]
    : [];
  $("#detail-body").replaceChildren(
    ...problem,
    facts,
    section("Request headers", headers),
    section("Request body", bodyBlock(e.body, "detail-request-body")),
    section(`Response body (${e.status || "connection broken"})`, bodyBlock(e.response_body, "detail-response-body")),
    section("curl", el("pre", { class: "code", id: "curl", text: curlOf(e) })),
  );
  $("#detail").hidden = false;
  document.body.classList.add("detail-open");
}

function closeDetail() {
  ui.openSeq = null;
  $("#detail").hidden = true;
  document.body.classList.remove("detail-open");
  document.querySelectorAll("#journal tr.open").forEach((r) => r.classList.remove("open"));
}

function curlOf(e) {
  const skip = new Set(["host", "content-length", "connection", "accept-encoding"]);
  const parts = ["curl", "-X", e.method, shellQuote(location.origin + e.path + (e.query ? "?" + e.query : ""))];
  for (const [k, v] of Object.entries(e.headers || {})) {
    if (skip.has(k.toLowerCase())) continue;
    for (const one of Array.isArray(v) ? v : [v]) parts.push("-H", shellQuote(`${k}: ${one}`));
  }
  if (e.body) parts.push("--data-raw", shellQuote(e.body));
  return parts.join(" ");
}

async function copyCurl() {
  const e = ui.entries.find((x) => x.seq === ui.openSeq);
  if (!e) return;
  const text = curlOf(e);
  try {
    await navigator.clipboard.writeText(text);
    toast("curl command copied (credentials are redacted in the journal)");
  } catch (_) {
    const pre = $("#curl");
    const range = document.createRange();
    range.selectNodeContents(pre);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    toast("the clipboard is not available here: the command is selected, copy it with Ctrl+C");
  }
}

// ---- state ---------------------------------------------------------------------------------

function tree(value, key, depth) {
  const label = key === undefined ? "" : key;
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const summary = el("summary", {}, el("span", { class: "key", text: label }),
      el("span", { class: "muted", text: Array.isArray(value) ? ` [${entries.length}]` : ` {${entries.length}}` }));
    const node = el("details", { open: depth < 1 }, summary);
    for (const [k, v] of entries) node.append(tree(v, k, depth + 1));
    return node;
  }
  const cls = value === null ? "null" : typeof value;
  return el("div", { class: "leaf" }, el("span", { class: "key", text: label }), ": ",
    el("span", { class: `val ${cls}`, text: JSON.stringify(value) }));
}

async function refreshState() {
  ui.stateDump = await api("GET", "/__admin/state");
  const root = el("div", {});
  for (const [family, state] of Object.entries(ui.stateDump)) root.append(tree(state, family, 0));
  $("#state-tree").replaceChildren(root);
  $("#state-message").textContent = `as of ${new Date().toLocaleTimeString()}`;
}

function downloadState() {
  if (!ui.stateDump) return;
  const blob = new Blob([JSON.stringify(ui.stateDump, null, 2)], { type: "application/json" });
  const a = el("a", { href: URL.createObjectURL(blob), download: `trunkmock-${ui.session}-state.json` });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

async function uploadState(ev) {
  const file = ev.target.files && ev.target.files[0];
  if (!file) return;
  const text = await file.text();
  ev.target.value = "";
  await api("PUT", "/__admin/state", text);
  toast(`state restored from ${file.name}`);
  await refreshState();
}

// ---- faults and examples -------------------------------------------------------------------

function ruleSummary(rule) {
  const m = rule.match || {};
  const what = rule.error ? `error ${rule.error.status || 500}` : rule.response ? `response ${rule.response.status}`
    : rule.fault ? rule.fault : rule.delay ? "delay" : rule.dribble ? "dribble" : "—";
  const where = Object.entries(m).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
  return `${what}${where ? " when " + where : ""}`;
}

async function refreshFaults() {
  const data = await api("GET", "/__admin/faults");
  $("#faults-count").textContent = data.faults.length || "";
  const rows = data.faults.map((f) => el("tr", { "data-id": f.id },
    el("td", { class: "mono", text: f.id }),
    el("td", { class: "mono", title: JSON.stringify(f.rule, null, 2), text: ruleSummary(f.rule) }),
    el("td", { class: "num", text: f.hits }),
    el("td", { class: "num", text: f.remaining === null || f.remaining === undefined ? "∞" : f.remaining }),
    el("td", { class: "muted", text: f.origin }),
    el("td", {}, el("button", { type: "button", class: "small delete-fault", "aria-label": `delete rule ${f.id}`,
      onclick: guarded(async () => { await api("DELETE", `/__admin/faults/${encodeURIComponent(f.id)}`); await refreshFaults(); }) }, "Delete")),
  ));
  $("#faults tbody").replaceChildren(...rows);
  $("#faults-empty").hidden = rows.length > 0;
}

async function addFault() {
  let rule;
  try { rule = JSON.parse($("#fault-editor").value); } catch (e) { throw new Error(`the rule is not valid JSON: ${e.message}`); }
  const added = await api("POST", "/__admin/faults", rule);
  $("#fault-message").textContent = `added ${added && added.id ? added.id : "rule"}`;
  toast("fault rule added");
  await refreshFaults();
}

async function loadExamples() {
  const resp = await fetch("/__admin/ui/examples.json", { credentials: "same-origin" });
  if (!resp.ok) return;
  ui.examples = await resp.json();
  const select = $("#fault-template");
  ui.examples.fault_templates.forEach((t, i) => select.append(el("option", { value: i, text: t.title })));
  $("#examples").replaceChildren(...ui.examples.scenarios.map((x) => el("li", {},
    el("button", { type: "button", class: "apply-example", "data-file": x.file,
      onclick: guarded(async () => {
        await api("POST", "/__admin/scenarios", x.scenario);
        toast(`${x.file} applied to session ${ui.session}`);
        await refreshFaults();
      }) }, x.scenario.name || x.file),
    el("span", { class: "muted", text: " " + (x.scenario.description || "") }))));
}

// ---- events --------------------------------------------------------------------------------

async function refreshEvents() {
  const data = await api("GET", "/__admin/events?limit=200");
  $("#events-count").textContent = data.count || "";
  const rows = data.events.map((e) => el("tr", {},
    el("td", { class: "num", text: e.seq }),
    el("td", { title: e.time, text: localTime(e.time, true) }),
    el("td", { text: e.family }),
    el("td", { text: e.name ? `${e.type} (${e.name})` : e.type }),
    el("td", { class: "mono", text: `${e.resource_type} ${e.resource_id || ""}` }),
    el("td", { class: "muted", text: e.operation_id }),
  ));
  $("#events tbody").replaceChildren(...rows);
  $("#events-empty").hidden = rows.length > 0;
}

// ---- tabs, keyboard, polling ---------------------------------------------------------------

function showTab(name) {
  ui.tab = name;
  for (const b of document.querySelectorAll("[data-tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== `view-${name}`;
  location.hash = name;
  refreshTab(true).catch((e) => toast(e.message, true));
}

async function refreshTab(all) {
  if (ui.tab === "journal" || all) await refreshJournal(all);
  if (ui.tab === "faults") await refreshFaults();
  if (ui.tab === "events") await refreshEvents();
  if (ui.tab === "state" && all) await refreshState();
}

async function tick() {
  if (!$("#live").checked || document.hidden) return;
  try {
    await Promise.all([refreshJournal(), refreshClock(), refreshSessions(),
      ui.tab === "faults" ? refreshFaults() : null, ui.tab === "events" ? refreshEvents() : null]);
  } catch (e) {
    toast(e.message, true);
  }
}

function moveFocus(row, step) {
  let next = step > 0 ? row.nextElementSibling : row.previousElementSibling;
  if (next) next.focus();
}

function keyboard(ev) {
  const row = ev.target.closest && ev.target.closest("#journal tbody tr");
  if (ev.key === "Escape" && !$("#detail").hidden) {
    const seq = ui.openSeq;
    closeDetail();
    const back = document.querySelector(`#journal tr[data-seq="${seq}"]`);
    if (back) back.focus();
    ev.preventDefault();
  } else if (row && (ev.key === "Enter" || ev.key === " ")) {
    openDetail(row.dataset.seq);
    ev.preventDefault();
  } else if (row && (ev.key === "ArrowDown" || ev.key === "ArrowUp")) {
    moveFocus(row, ev.key === "ArrowDown" ? 1 : -1);
    ev.preventDefault();
  } else if (ev.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName)) {
    showTab("journal");
    $("#f-text").focus();
    ev.preventDefault();
  }
}

async function start() {
  // A session remembered from another server is not created by looking at it: fall back.
  try {
    const data = await api("GET", "/__admin/sessions");
    if (!data.sessions.some((x) => x.name === ui.session)) ui.session = "default";
  } catch (_) { /* the refresh below reports it */ }
  $("#session").addEventListener("change", guarded(async (ev) => {
    ui.session = ev.target.value;
    localStorage.setItem("trunkmock.session", ui.session);
    closeDetail();
    await Promise.all([refreshSessions(), refreshClock(), refreshTab(true)]);
  }));
  $("#advance-form").addEventListener("submit", guarded(advanceClock));
  $("#reset").addEventListener("click", guarded(resetSession));
  for (const b of document.querySelectorAll("[data-tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));
  for (const id of ["#f-family", "#f-status"]) $(id).addEventListener("change", () => renderJournal(true));
  // `change` too: a field cleared by script or by the search box's ✕ fires no `input`.
  for (const id of ["#f-operation", "#f-text"]) {
    for (const kind of ["input", "change", "search"]) $(id).addEventListener(kind, () => renderJournal(true));
  }
  $("#filters").addEventListener("submit", (ev) => ev.preventDefault());
  $("#journal-clear").addEventListener("click", guarded(async () => { await api("DELETE", "/__admin/requests"); closeDetail(); await refreshJournal(true); }));
  $("#journal tbody").addEventListener("click", (ev) => {
    const row = ev.target.closest("tr");
    if (row) { row.focus(); openDetail(row.dataset.seq); }
  });
  $("#detail-close").addEventListener("click", closeDetail);
  $("#copy-curl").addEventListener("click", guarded(copyCurl));
  document.addEventListener("keydown", keyboard);
  $("#state-refresh").addEventListener("click", guarded(refreshState));
  $("#state-expand").addEventListener("click", () => document.querySelectorAll("#state-tree details").forEach((d) => { d.open = true; }));
  $("#state-collapse").addEventListener("click", () => document.querySelectorAll("#state-tree details").forEach((d) => { d.open = false; }));
  $("#state-download").addEventListener("click", guarded(async () => { await refreshState(); downloadState(); }));
  $("#state-upload").addEventListener("change", guarded(uploadState));
  $("#fault-add").addEventListener("click", guarded(addFault));
  $("#faults-clear").addEventListener("click", guarded(async () => { await api("DELETE", "/__admin/faults"); await refreshFaults(); }));
  $("#fault-template").addEventListener("change", (ev) => {
    const t = ui.examples.fault_templates[Number(ev.target.value)];
    if (t) $("#fault-editor").value = JSON.stringify(t.rule, null, 2);
  });
  try {
    await Promise.all([refreshSessions(), refreshClock(), loadExamples(), refreshFaults(), refreshEvents()]);
  } catch (e) {
    toast(e.message, true);
  }
  const initial = location.hash.slice(1);
  showTab(["journal", "state", "faults", "events"].includes(initial) ? initial : "journal");
  setInterval(tick, 1000);
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", start);
