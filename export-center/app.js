// The export center: sign in, request exports, watch them run, download, cancel and delete them.
// Plain DOM, no framework; every call goes through supabase-js as the signed-in user, so the
// database's policies decide what the page shows.
import { createClient } from "./supabase.js";
import { publishableKey, supabaseUrl } from "./config.js";
import { ApiError, exportsApi } from "./api.js";
import { exportTopics, liveExports } from "./live.js";

/** Exports a page: `?page_size=` in the page's address (1 to 100), else 10. */
const pageSize = Math.min(
  100,
  Math.max(1, Math.trunc(Number(new URLSearchParams(location.search).get("page_size"))) || 10),
);
const statusLabels = {
  queued: "Queued",
  processing: "Running",
  completed: "Ready",
  failed: "Failed",
  canceled: "Canceled",
  expired: "Expired",
};
const formatLabels = {
  csv: "CSV",
  json: "JSON",
  jsonl: "JSONL",
  markdown: "Markdown",
  html: "HTML",
  xlsx: "Excel (XLSX)",
  pdf: "PDF",
};
const active = new Set(["queued", "processing"]);

const supabase = createClient(supabaseUrl, publishableKey);
const api = exportsApi(supabase);

/** @param {string} id */
const $ = (id) => /** @type {any} */ (document.getElementById(id));

const state = {
  /** @type {any} */
  user: null,
  /** @type {any[]} */
  sources: [],
  /** @type {string[]} */
  scopes: [],
  /** Keyset anchors of the pages before the current one; the last is the current page's. */
  /** @type {(string | null)[]} */
  anchors: [null],
  /** @type {any} */
  page: null,
  /** The query of the page shown, as JSON. */
  shownQuery: "",
  /** @type {(() => void) | null} */
  unsubscribe: null,
  /** Rows of the list by export id, kept between renders so focus stays where it is. */
  rows: new Map(),
  reloadTimer: 0,
  loadSeq: 0,
};

// ---------------------------------------------------------------------------
// formatting

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const count = new Intl.NumberFormat();

/** @param {string} name */
function sourceLabel(name) {
  const text = name.replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** @param {number} bytes */
function sizeLabel(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** @param {string} scopeId */
function scopeLabel(scopeId) {
  return `Shared group …${scopeId.slice(-4)}`;
}

/** @param {any} e an export summary */
function exportTitle(e) {
  const gzip = e.compression === "gzip" ? ", gzipped" : "";
  return `${sourceLabel(e.source)} · ${formatLabels[e.format] ?? e.format}${gzip}`;
}

/** @param {any} e */
function progressText(e) {
  if (e.status === "queued") {
    return e.attempt > 0 ? "Waiting to try again" : "Waiting to start";
  }
  const written = e.rows_written ?? 0;
  if (e.rows_expected) {
    return `${count.format(written)} of ${count.format(e.rows_expected)} rows`;
  }
  return `${count.format(written)} rows so far`;
}

/** @param {any} e */
function metaText(e) {
  const parts = [`Requested ${dateTime.format(new Date(e.requested_at))}`];
  if (e.status === "completed") {
    if (e.row_count !== null) parts.push(`${count.format(e.row_count)} rows`);
    if (e.file_size !== null) parts.push(sizeLabel(e.file_size));
    if (e.expires_at) parts.push(`available until ${dateTime.format(new Date(e.expires_at))}`);
  }
  if (e.scope_id) {
    parts.push(e.owner_id === state.user?.id ? "shared by you" : "shared by a member");
  }
  return parts.join(" · ");
}

// ---------------------------------------------------------------------------
// feedback

let noticeTimer = 0;
/** @param {string} text */
function notify(text) {
  clearTimeout(noticeTimer);
  $("notice").textContent = text;
  noticeTimer = setTimeout(() => ($("notice").textContent = ""), 6000);
}

/** @param {unknown} error */
function messageOf(error) {
  if (error instanceof ApiError) return error.message;
  return "Something went wrong. Try again in a moment.";
}

// ---------------------------------------------------------------------------
// signing in

/** @param {"booting" | "sign-in" | "center"} view */
function show(view) {
  $("booting").hidden = view !== "booting";
  $("sign-in").hidden = view !== "sign-in";
  $("center").hidden = view !== "center";
  $("who").hidden = view !== "center";
}

async function signIn(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.target);
  const button = form.querySelector("button");
  const error = $("sign-in-error");
  error.hidden = true;
  button.disabled = true;
  try {
    const { error: refused } = await supabase.auth.signInWithPassword({
      email: $("email").value.trim(),
      password: $("password").value,
    });
    if (refused) {
      error.textContent = refused.code === "invalid_credentials"
        ? "That email and password do not match an account."
        : refused.message;
      error.hidden = false;
      $("password").focus();
    }
  } finally {
    button.disabled = false;
  }
}

/** @param {any} session */
async function enter(session) {
  if (state.user?.id === session.user.id) return;
  state.user = session.user;
  state.sources = [];
  state.scopes = [];
  $("request-error").hidden = true;
  $("who-email").textContent = session.user.email;
  show("center");
  $("list-message").textContent = "Loading exports…";
  try {
    const [sources, scopes] = await Promise.all([api.sources(), api.scopes()]);
    state.sources = sources;
    state.scopes = scopes;
  } catch (error) {
    $("request-error").textContent = `The export form could not be loaded: ${messageOf(error)}`;
    $("request-error").hidden = false;
  }
  fillForm();
  fillFilters();
  await load();
  // Signed out (or in as someone else) while the page loaded: that session has nothing to follow.
  if (state.user?.id !== session.user.id) return;
  state.unsubscribe = liveExports({
    supabase,
    topics: exportTopics(session.user.id, state.scopes),
    isActive: () => (state.page?.exports ?? []).some((e) => active.has(e.status)),
    onMode: (mode) => {
      $("live-mode").textContent = {
        connecting: "Connecting…",
        realtime: "Live",
        polling: "Updating every 2 s",
      }[mode];
      $("live-mode").dataset.mode = mode;
    },
  }).subscribe(() => scheduleReload());
}

function leave() {
  state.unsubscribe?.();
  state.unsubscribe = null;
  state.user = null;
  state.page = null;
  state.shownQuery = "";
  state.anchors = [null];
  clearList();
  $("sign-in-form").reset();
  show("sign-in");
  $("email").focus();
}

// ---------------------------------------------------------------------------
// the request form

function fillForm() {
  const source = $("source");
  source.replaceChildren(...state.sources.map((s) => new Option(sourceLabel(s.name), s.name)));
  if (state.sources.length === 0) source.append(new Option("No data to export", ""));
  $("request-button").disabled = state.sources.length === 0;
  fillSourceFields();
}

function selectedSource() {
  return state.sources.find((s) => s.name === $("source").value);
}

function fillSourceFields() {
  const source = selectedSource();
  $("source-description").textContent = source?.description ?? "";
  $("format").replaceChildren(
    ...(source?.formats ?? []).map((/** @type {string} */ f) =>
      new Option(formatLabels[f] ?? f, f)
    ),
  );
  const needsScope = Boolean(source?.requires_scope);
  $("scope-field").hidden = !needsScope;
  $("scope").replaceChildren(...state.scopes.map((id) => new Option(scopeLabel(id), id)));
  if (needsScope && state.scopes.length === 0) {
    $("scope").append(new Option("You are in no shared group", ""));
  }
  const fields = Object.entries(source?.option_types ?? {}).sort(([a], [b]) =>
    optionRank(a) - optionRank(b) || a.localeCompare(b)
  ).map(([name, type]) => optionField(name, String(type)));
  $("option-fields").replaceChildren(...fields);
  $("options").hidden = fields.length === 0;
  $("defuse").checked = Boolean(source?.defuse_formulas);
  fillFormatFields();
}

function fillFormatFields() {
  $("defuse-field").hidden = $("format").value !== "csv";
}

/**
 * Where an option goes in the form: a range's ends first, from before to, then the rest by name
 * (a source's option_types, being jsonb, come in no order a person would pick).
 * @param {string} name
 */
function optionRank(name) {
  return { from: 0, to: 1 }[name] ?? 2;
}

/**
 * A labelled input for one option of the source, typed as the source declares it.
 * @param {string} name
 * @param {string} type  date, timestamp, number, integer, text, text[] or boolean
 */
function optionField(name, type) {
  const wrapper = document.createElement("div");
  wrapper.className = "option";
  const id = `option-${name}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = sourceLabel(name);
  /** @type {HTMLInputElement | HTMLSelectElement} */
  let input;
  if (type === "boolean") {
    input = document.createElement("select");
    input.append(new Option("Either", ""), new Option("Yes", "true"), new Option("No", "false"));
  } else {
    input = document.createElement("input");
    input.type = ({
      date: "date",
      timestamp: "datetime-local",
      number: "number",
      integer: "number",
    })[type] ?? "text";
    if (type === "number") input.step = "any";
    if (type === "integer") input.step = "1";
  }
  input.id = id;
  input.name = name;
  input.dataset.type = type;
  wrapper.append(label, input);
  if (type === "text[]") {
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.id = `${id}-hint`;
    hint.textContent = "Separate values with commas.";
    input.setAttribute("aria-describedby", hint.id);
    wrapper.append(hint);
  }
  return wrapper;
}

/** The options as the source types them; empty fields are left out. */
function optionValues() {
  /** @type {Record<string, unknown>} */
  const options = {};
  for (const input of $("option-fields").querySelectorAll("input, select")) {
    const raw = input.value.trim();
    if (raw === "") continue;
    const type = input.dataset.type;
    if (type === "integer" || type === "number") options[input.name] = Number(raw);
    else if (type === "boolean") options[input.name] = raw === "true";
    else if (type === "text[]") {
      options[input.name] = raw.split(",").map((/** @type {string} */ v) => v.trim()).filter(
        Boolean,
      );
    } // The browser's local time, with its offset, as the source's ISO 8601 expects.
    else if (type === "timestamp") options[input.name] = new Date(raw).toISOString();
    else options[input.name] = raw;
  }
  return options;
}

async function requestExport(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  const source = selectedSource();
  if (!source) return;
  const error = $("request-error");
  error.hidden = true;
  const button = $("request-button");
  button.disabled = true;
  button.textContent = "Requesting…";
  try {
    /** @type {Record<string, unknown>} */
    const body = {
      source: source.name,
      format: $("format").value,
      options: optionValues(),
      compression: $("gzip").checked ? "gzip" : "none",
      // One key per submission: a retried request cannot queue the export twice.
      idempotency_key: crypto.randomUUID(),
    };
    if (source.requires_scope) body.scope = $("scope").value;
    if (body.format === "csv") body.defuse_formulas = $("defuse").checked;
    const created = await api.request(body);
    notify(`${exportTitle(created)} requested. It is in the list and updates as it runs.`);
    state.anchors = [null];
    await load();
  } catch (failure) {
    error.textContent = messageOf(failure);
    error.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = "Request export";
  }
}

// ---------------------------------------------------------------------------
// the list

function fillFilters() {
  const sources = state.sources.map((s) => s.name);
  const formats = [...new Set(state.sources.flatMap((s) => s.formats))];
  $("filter-source").replaceChildren(
    new Option("Any", ""),
    ...sources.map((name) => new Option(sourceLabel(name), name)),
  );
  $("filter-format").replaceChildren(
    new Option("Any", ""),
    ...formats.map((f) => new Option(formatLabels[f] ?? f, f)),
  );
}

function filters() {
  /** @type {Record<string, string>} */
  const query = { page_size: String(pageSize) };
  for (const name of ["status", "source", "format"]) {
    const value = $(`filter-${name}`).value;
    if (value) query[name] = value;
  }
  const anchor = state.anchors.at(-1);
  if (anchor) query.before_export_id = anchor;
  return query;
}

function scheduleReload() {
  clearTimeout(state.reloadTimer);
  state.reloadTimer = setTimeout(load, 150);
}

async function load() {
  const seq = ++state.loadSeq;
  const query = filters();
  $("exports").setAttribute("aria-busy", "true");
  try {
    const page = await api.list(query);
    if (seq !== state.loadSeq || !state.user) return;
    state.page = page;
    state.shownQuery = JSON.stringify(query);
    render();
  } catch (error) {
    if (seq !== state.loadSeq) return;
    // A page that vanished (its anchor was deleted) starts again from the newest.
    if (
      error instanceof ApiError && error.code === "export_not_found" && state.anchors.length > 1
    ) {
      state.anchors = [null];
      return await load();
    }
    // A failed poll leaves the list as it was; a list for other filters or another page would
    // pass for the one asked for, so it goes.
    if (JSON.stringify(query) !== state.shownQuery) {
      state.page = null;
      state.shownQuery = "";
      clearList();
    }
    showListMessage(`Your exports could not be loaded: ${messageOf(error)}`, true);
  } finally {
    if (seq === state.loadSeq) $("exports").removeAttribute("aria-busy");
  }
}

function clearList() {
  state.rows.clear();
  $("exports").replaceChildren();
  $("pager").hidden = true;
}

/**
 * @param {string} text
 * @param {boolean} [isError]
 */
function showListMessage(text, isError = false) {
  const message = $("list-message");
  message.textContent = text;
  message.classList.toggle("error", isError);
  message.hidden = text === "";
  $("list-retry").hidden = !isError;
}

function render() {
  const exports = state.page.exports;
  const filtered = ["status", "source", "format"].some((name) => $(`filter-${name}`).value);
  if (exports.length === 0) {
    showListMessage(
      filtered
        ? "No exports match these filters."
        : "No exports yet. Request one with the form; it will show up here.",
    );
  } else showListMessage("");

  const list = $("exports");
  const wanted = new Set(exports.map((/** @type {any} */ e) => e.export_id));
  for (const [id, row] of state.rows) {
    if (!wanted.has(id)) {
      row.remove();
      state.rows.delete(id);
    }
  }
  exports.forEach((/** @type {any} */ e, /** @type {number} */ index) => {
    let row = state.rows.get(e.export_id);
    if (!row) {
      row = exportRow(e.export_id);
      state.rows.set(e.export_id, row);
    }
    updateRow(row, e);
    if (list.children[index] !== row) list.insertBefore(row, list.children[index] ?? null);
  });

  const first = (state.anchors.length - 1) * pageSize;
  $("page-info").textContent = exports.length
    ? `${first + 1}–${first + exports.length} of ${state.page.total_count}`
    : "";
  $("newer").disabled = state.anchors.length === 1;
  $("older").disabled = !state.page.next_before_export_id;
  $("pager").hidden = $("newer").disabled && $("older").disabled;
}

/**
 * The row of one export, with its buttons; `updateRow` fills it in.
 * @param {string} id
 */
function exportRow(id) {
  const row = document.createElement("li");
  row.className = "export";
  row.dataset.exportId = id;
  row.innerHTML = `
    <div class="export-head">
      <h3 class="export-title"></h3>
      <span class="badge"></span>
    </div>
    <p class="export-meta"></p>
    <div class="export-progress">
      <progress></progress>
      <span class="progress-text"></span>
    </div>
    <div class="export-why" role="note"></div>
    <div class="actions">
      <button type="button" class="primary" data-action="download">Download</button>
      <button type="button" data-action="retry">Request again</button>
      <button type="button" data-action="cancel">Cancel</button>
      <button type="button" class="danger" data-action="delete">Delete</button>
    </div>`;
  return row;
}

/**
 * @param {HTMLElement} row
 * @param {any} e an export summary
 */
function updateRow(row, e) {
  /** @param {string} selector */
  const part = (selector) => /** @type {any} */ (row.querySelector(selector));
  const title = exportTitle(e);
  row.dataset.status = e.status;
  part(".export-title").textContent = title;
  part(".badge").textContent = statusLabels[e.status] ?? e.status;
  part(".badge").className = `badge status-${e.status}`;
  part(".export-meta").textContent = metaText(e);

  const running = active.has(e.status);
  part(".export-progress").hidden = !running;
  if (running) {
    const progress = part("progress");
    if (e.status === "processing" && e.rows_expected) {
      progress.max = e.rows_expected;
      progress.value = Math.min(e.rows_written ?? 0, e.rows_expected);
    } else {
      progress.removeAttribute("value");
    }
    progress.setAttribute("aria-label", `Progress of ${title}`);
    part(".progress-text").textContent = progressText(e);
  }

  const why = part(".export-why");
  why.hidden = e.status !== "failed" && e.status !== "expired";
  if (e.status === "failed") {
    why.innerHTML = "";
    const heading = document.createElement("strong");
    heading.textContent = "Why it failed: ";
    why.append(heading, e.error_message ?? "The export failed.");
  } else if (e.status === "expired") {
    why.textContent = "The file was removed when its time ran out. Request the export again.";
  }

  /** @type {Record<string, boolean>} */
  const shown = {
    download: e.status === "completed",
    retry: e.status === "failed" || e.status === "expired" || e.status === "canceled",
    cancel: running,
    delete: !running,
  };
  for (const button of row.querySelectorAll("button")) {
    const action = /** @type {string} */ (button.dataset.action);
    button.hidden = !shown[action];
    button.setAttribute(
      "aria-label",
      `${button.textContent} ${title}, requested ${dateTime.format(new Date(e.requested_at))}`,
    );
  }
}

/** @param {Event} event */
async function onListClick(event) {
  const button = /** @type {HTMLButtonElement | null} */ (
    /** @type {HTMLElement} */ (event.target).closest("button[data-action]")
  );
  if (!button) return;
  const row = /** @type {HTMLElement} */ (button.closest("li"));
  const id = /** @type {string} */ (row.dataset.exportId);
  const summary = state.page?.exports.find((/** @type {any} */ e) => e.export_id === id);
  if (!summary) return;
  const action = button.dataset.action;
  if (action === "delete" && !confirm(`Delete ${exportTitle(summary)}? Its file goes too.`)) return;
  button.disabled = true;
  try {
    if (action === "download") await download(summary);
    else if (action === "cancel") {
      await api.cancel(id);
      notify(`${exportTitle(summary)} canceled.`);
    } else if (action === "delete") {
      await api.remove(id);
      notify(`${exportTitle(summary)} deleted.`);
    } else if (action === "retry") {
      const body = {
        source: summary.source,
        format: summary.format,
        options: summary.options,
        compression: summary.compression,
        idempotency_key: crypto.randomUUID(),
        ...(summary.scope_id ? { scope: summary.scope_id } : {}),
        ...(summary.format === "csv" ? { defuse_formulas: summary.defuse_formulas } : {}),
      };
      await api.request(body);
      notify(`${exportTitle(summary)} requested again.`);
      state.anchors = [null];
    }
  } catch (error) {
    notify(messageOf(error));
  } finally {
    button.disabled = false;
  }
  await load();
  // A button that no longer applies (Cancel on a canceled export) is hidden and loses focus:
  // keep the keyboard in the same row, or at the list when the row is gone.
  if (document.activeElement === document.body || button.hidden) {
    const next = row.isConnected && row.querySelector("button:not([hidden])");
    (next || $("list-title")).focus();
  }
}

/**
 * Downloads the export's files through fresh signed links: links live a minute, so they are asked
 * for at each click rather than kept in the page. An export written as numbered parts downloads
 * every part (the browser may ask once whether the page may save several files).
 * @param {any} summary
 */
async function download(summary) {
  const link = await api.link(summary.export_id);
  const files = link.parts?.length ? link.parts : [link];
  for (const file of files) {
    const anchor = document.createElement("a");
    anchor.href = file.url;
    anchor.download = file.file_name;
    anchor.hidden = true;
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
  }
  notify(
    files.length === 1
      ? `Downloading ${files[0].file_name}.`
      : `Downloading ${files.length} parts: ${files.map((file) => file.file_name).join(", ")}.`,
  );
}

// ---------------------------------------------------------------------------
// wiring

$("sign-in-form").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", () => supabase.auth.signOut());
$("request-form").addEventListener("submit", requestExport);
$("source").addEventListener("change", fillSourceFields);
$("format").addEventListener("change", fillFormatFields);
$("filters").addEventListener("change", () => {
  state.anchors = [null];
  load();
});
$("filters").addEventListener("submit", (/** @type {Event} */ event) => event.preventDefault());
$("exports").addEventListener("click", onListClick);
$("list-retry").addEventListener("click", load);
$("newer").addEventListener("click", () => {
  state.anchors.pop();
  load();
});
$("older").addEventListener("click", () => {
  state.anchors.push(state.page.next_before_export_id);
  load();
});
$("list-title").tabIndex = -1;

supabase.auth.onAuthStateChange((/** @type {string} */ event, /** @type {any} */ session) => {
  // Work outside the callback: supabase-js holds its auth lock while it runs.
  setTimeout(() => {
    if (session) enter(session);
    else if (event === "SIGNED_OUT" || event === "INITIAL_SESSION") leave();
  }, 0);
});
