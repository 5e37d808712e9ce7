// The playground page: holds the setup (mirrored in the URL), talks to the server over one
// WebSocket, and draws what the server sends. The model lives on the server; nothing here trains.
import {
  paintHeatmap, paintPoints, paintColourKey, lineChart, formatNumber, pointColour,
  RUN_COLOURS, hiDpi,
} from "./draw.js";
import { NetworkView } from "./network.js";

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const EPOCHS_PER_UPDATE = [1, 2, 5, 10, 20, 50];
const FPS = [10, 30, 60, 120];
const CUSTOM = "__custom__";

const $ = (id) => document.getElementById(id);
const app = {
  ws: null, hello: null, setup: null, state: null, playing: false, racing: false,
  pending: null, drawScheduled: false, lastFrame: null,
  history: [], gradHistory: [], received: [],
  // per racer (by activation): [{epoch, seconds, loss, train, test}] and [[epoch, grad]]
  raceHistory: {}, raceGrad: {}, focusKey: null,
};
let net;

// ------------------------------------------------------------------ socket

function connect() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  app.ws = new WebSocket(`${scheme}${location.host}/ws`);
  app.ws.binaryType = "arraybuffer";
  app.ws.onmessage = (event) => receive(typeof event.data === "string" ? JSON.parse(event.data) : unpack(event.data));
  app.ws.onclose = () => toast("The connection to the actlab server closed. Restart `actlab playground` and reload this page.", "error", 0);
}

// A binary message (frames: they carry heatmaps): uint32 little-endian n, n bytes of JSON, then
// the bytes that its {"$bytes": [offset, length]} values point into (see actlab/web/wire.py).
function unpack(buffer) {
  const n = new DataView(buffer).getUint32(0, true);
  const base = 4 + n;
  const text = new TextDecoder().decode(new Uint8Array(buffer, 4, n));
  return JSON.parse(text, (key, value) =>
    value && Array.isArray(value.$bytes) ? new Uint8Array(buffer, base + value.$bytes[0], value.$bytes[1]) : value);
}

function send(message) {
  if (app.ws && app.ws.readyState === WebSocket.OPEN) app.ws.send(JSON.stringify(message));
}

function receive(msg) {
  switch (msg.type) {
    case "hello": onHello(msg); break;
    case "state": onState(msg); break;
    case "frame": case "race_frame": onFrame(msg); break;
    case "playing": setPlaying(msg.playing); break;
    case "preview": onPreview(msg); break;
    case "export": download(msg.data); break;
    case "error": onError(msg); break;
    default: break;
  }
}

// ------------------------------------------------------------------ URL state
// The server reads links (actlab/web/links.py: field by field, TF Playground's too) and writes
// them: the page sends the hash as it is and puts back the hash each state comes with.

function writeUrl(hash) {
  app.hash = hash;
  if (location.hash !== `#${hash}`) history.replaceState(null, "", `#${hash}`);
}

function openLink(hash) {
  send({ type: "link", hash: hash.replace(/^#/, "") });
}

function showNotes(notes) {
  const box = $("link-notes");
  box.querySelector("ul").replaceChildren(...notes.map((n) => {
    const li = document.createElement("li");
    li.textContent = n;
    return li;
  }));
  box.hidden = notes.length === 0;
}

function applyHiding(setup) {
  const hidden = new Set(setup.hide);
  document.querySelectorAll("[data-control]").forEach((el) => {
    el.classList.toggle("link-hidden", hidden.has(el.dataset.control));
  });
  for (const key of Object.keys(app.hello.hidable)) document.body.classList.toggle(`hide-${key}`, hidden.has(key));
  $("explain").hidden = setup.hide_text;
}

// ------------------------------------------------------------------ server messages

function onHello(msg) {
  app.hello = msg;
  fillSelect($("learning-rate"), LEARNING_RATES.map((v) => [v, String(v)]));
  fillSelect($("reg-rate"), REG_RATES.map((v) => [v, String(v)]));
  fillSelect($("epochs-per-update"), EPOCHS_PER_UPDATE.map((v) => [v, String(v)]));
  fillSelect($("fps"), FPS.map((v) => [v, String(v)]));
  fillSelect($("activation"), [...msg.activations.map((a) => [a.name, a.name]), [CUSTOM, "custom formula…"]]);
  $("batch").max = msg.limits.max_batch;
  $("points").max = msg.limits.max_points;
  $("classes").max = msg.limits.max_classes;
  buildDatasets(msg.datasets);
  buildRaceChoices(msg.activations, msg.limits.max_race);
  paintColourKey($("colour-key"));
  buildTeacher(msg.hidable, msg.lessons);
  openLink(location.hash);
}

function onState(msg) {
  const previous = app.state;
  app.state = msg;
  app.setup = msg.setup;
  app.racing = msg.racing;
  // a history is cleared only when its own network started again (the main network's survives
  // a race, a racer's survives the others joining or leaving)
  if (msg.frame.type === "frame") {
    const last = app.history.length ? app.history[app.history.length - 1][0] : null;
    if (!previous || (last !== null && (msg.frame.epoch < last || (msg.frame.epoch === 0 && last > 0)))) {
      app.history = []; app.gradHistory = [];
    }
  } else {
    for (const run of msg.frame.runs) {
      const h = app.raceHistory[run.activation];
      if (h && h.length && run.epoch < h[h.length - 1].epoch) { delete app.raceHistory[run.activation]; delete app.raceGrad[run.activation]; }
    }
  }
  app.focusKey = null;
  syncControls();
  writeUrl(msg.hash);
  if (msg.notes) showNotes(msg.notes);
  applyHiding(msg.setup);
  syncTeacher();
  $("copy-tf-link").disabled = !msg.tf_link;
  $("copy-tf-link").title = msg.tf_link ? "copy a link that opens this setup in TensorFlow Playground" : `doesn't fit TensorFlow Playground: ${msg.tf_misfit.join("; ")}`;
  net.build(msg, app.hello.activations, app.hello.features, app.hello.limits);
  drawColourKey(msg);
  drawPoints();
  $("race-toggle").textContent = msg.racing ? "Stop race" : "Start race";
  $("race-toggle").classList.toggle("on", msg.racing);
  document.body.classList.toggle("racing", msg.racing);
  requestPreview(app.setup.activation);
  onFrame(msg.frame);
}

function onFrame(frame) {
  app.received.push(performance.now());
  if (frame.type === "frame") {
    const last = app.history[app.history.length - 1];
    if (!last || frame.epoch > last[0]) {
      app.history.push([frame.epoch, frame.train_loss, frame.test_loss]);
      app.gradHistory.push([frame.epoch, frame.grad]);
      if (app.history.length > 3000) { app.history.splice(0, 1000); app.gradHistory.splice(0, 1000); }
    }
  } else {
    for (const run of frame.runs) {
      if (!run) continue;
      const h = (app.raceHistory[run.activation] ||= []);
      const last = h[h.length - 1];
      if (!last || run.epoch > last.epoch) h.push({ epoch: run.epoch, seconds: run.seconds, loss: run.test_loss ?? run.train_loss, train: run.train_loss, test: run.test_loss });
    }
    const f = frame.focus;
    const g = (app.raceGrad[f.activation] ||= []);
    if (!g.length || f.epoch > g[g.length - 1][0]) g.push([f.epoch, f.grad]);
  }
  app.pending = frame;
  if (!app.drawScheduled) {
    app.drawScheduled = true;
    requestAnimationFrame(drawPending);
  }
}

function drawPending() {
  app.drawScheduled = false;
  const frame = app.pending;
  if (!frame) return;
  app.pending = null;
  app.lastFrame = frame;
  if (frame.type === "frame") drawFrame(frame); else drawRace(frame);
  send({ type: "ack", frame: frame.frame });
  showRate();
}

function setPlaying(playing) {
  app.playing = playing;
  $("play").classList.toggle("playing", playing);
  if (!playing) { app.received = []; $("rate").textContent = ""; }
}

function onPreview(msg) {
  if (msg.spec !== app.previewSpec) return;
  $("preview-name").textContent = msg.name;
  $("preview-summary").textContent = msg.summary ? `· ${msg.summary}` : "";
  $("preview-summary").classList.remove("bad");
  lineChart($("preview-chart"), [
    { xs: msg.x, ys: msg.f, colour: "#0877bd", width: 2 },
    { xs: msg.x, ys: msg.df, colour: "#f59322", dash: [5, 3], width: 2 },
  ], { yMin: -3, yMax: 5 });
  const input = $("custom-formula");
  if (msg.spec === input.value.trim()) input.classList.remove("bad");
  if (app.wantCustom === msg.spec && app.setup.activation !== msg.spec) {
    app.wantCustom = null;
    change({ activation: msg.spec });
  }
}

function onError(msg) {
  if (msg.context === "preview") {
    // shown beside the plot while typing; a toast per keystroke would be noise
    $("custom-formula").classList.add("bad");
    $("preview-name").textContent = "";
    $("preview-summary").textContent = `· ${msg.message}`;
    $("preview-summary").classList.add("bad");
    if (app.wantCustom) toast(msg.message, "error", 4000);
    app.wantCustom = null;
    return;
  }
  if (msg.setup) {
    app.setup = msg.setup;
    syncControls();
    writeUrl(msg.hash);
  }
  toast(msg.message, "error", 6000);
}

// ------------------------------------------------------------------ drawing a frame

function drawFrame(frame, history = app.history, gradHistory = app.gradHistory) {
  $("epoch").textContent = formatEpoch(frame.epoch);
  $("test-loss").textContent = formatNumber(frame.test_loss);
  $("train-loss").textContent = formatNumber(frame.train_loss);
  $("test-acc").textContent = frame.test_acc == null ? "" : `accuracy ${(frame.test_acc * 100).toFixed(1)}%`;
  $("train-acc").textContent = frame.train_acc == null ? "" : `accuracy ${(frame.train_acc * 100).toFixed(1)}%`;
  const xs = history.map((h) => h[0]);
  lineChart($("loss-chart"), [
    { xs, ys: history.map((h) => h[1]), colour: "#aaa" },
    { xs, ys: history.map((h) => h[2]), colour: "#333" },
  ], { axes: false, yMin: 0 });
  const heat = frame.heat;
  paintHeatmap($("heatmap"), heat.output, heat.size, {
    discretize: app.setup.discretize, classes: heat.classes ?? null, k: app.state.classes,
  });
  net.update(frame, app.setup.discretize);
  drawGradients(frame.grad, gradHistory);
}

function drawGradients(grad, gradHistory) {
  const bars = $("grad-bars");
  const names = grad.map((_, l) => (l < grad.length - 1 ? `layer ${l + 1}` : "output"));
  if (bars.children.length !== grad.length) {
    bars.replaceChildren(...names.map((name) => {
      const row = document.createElement("div");
      row.className = "grad-row";
      row.innerHTML = `<span>${name}</span><span class="track"><i></i></span><span class="num"></span>`;
      return row;
    }));
  }
  const palette = ["#7a4cb3", "#0877bd", "#2ca02c", "#f59322", "#d62728", "#17becf", "#8c564b", "#e377c2", "#555"];
  grad.forEach((g, l) => {
    const row = bars.children[l];
    const t = g ? Math.max(0, Math.min(1, (Math.log10(g) + 8) / 9)) : 0;
    const bar = row.querySelector("i");
    bar.style.width = `${(t * 100).toFixed(1)}%`;
    bar.style.background = palette[l % palette.length];
    row.querySelector(".num").textContent = g == null ? "–" : g.toExponential(2);
  });
  const xs = gradHistory.map((h) => h[0]);
  lineChart($("grad-chart"), grad.map((_, l) => ({
    xs, ys: gradHistory.map((h) => h[1][l] ?? null), colour: palette[l % palette.length],
  })), { log: true, xLabel: "epoch" });
}

function drawRace(frame) {
  const grid = $("race-grid");
  if (grid.children.length !== frame.runs.length) {
    grid.replaceChildren(...frame.runs.map((run, i) => {
      const card = document.createElement("div");
      card.className = "race-card";
      card.title = "click: the network, activation and gradient panels follow this racer";
      card.innerHTML = `<canvas width="100" height="100"></canvas><div class="rname"></div><div class="rstats"></div><div class="rlate"></div>`;
      card.querySelector("canvas").style.borderColor = RUN_COLOURS[i % RUN_COLOURS.length];
      card.addEventListener("click", () => send({ type: "focus", index: i }));
      return card;
    }));
  }
  const late = [];
  frame.runs.forEach((run, i) => {
    const card = grid.children[i];
    card.classList.toggle("focused", i === frame.focus.index);
    if (!run) return;
    const heat = run.heat;
    paintHeatmap(card.querySelector("canvas"), heat.output, heat.size, {
      discretize: app.setup.discretize, classes: heat.classes ?? null, k: app.state.classes,
    });
    card.querySelector(".rname").textContent = run.activation;
    const acc = run.test_acc == null ? "" : ` · ${(run.test_acc * 100).toFixed(0)}%`;
    card.querySelector(".rstats").textContent = run.diverged ? "diverged" : `loss ${formatNumber(run.test_loss ?? run.train_loss)}${acc} · ${run.seconds.toFixed(2)} s`;
    card.querySelector(".rlate").textContent = run.joined == null ? "" : `joined late, at epoch ${+run.joined.toFixed(1)}`;
    if (run.joined != null) late.push(`${run.activation} joined at epoch ${+run.joined.toFixed(1)}, from the same starting weights the others had`);
  });
  $("late-note").textContent = late.join("; ");
  $("late-note").hidden = late.length === 0;
  const series = (x) => frame.runs.map((run, i) => {
    const h = (run && app.raceHistory[run.activation]) || [];
    return { xs: h.map((p) => p[x]), ys: h.map((p) => p.loss), colour: RUN_COLOURS[i % RUN_COLOURS.length] };
  });
  lineChart($("race-epoch-chart"), series("epoch"), { log: true, xLabel: "epoch" });
  lineChart($("race-time-chart"), series("seconds"), { log: true, xLabel: "s" });
  // the main panels follow the focused racer: its network, its loss, its gradients
  const f = frame.focus;
  const key = `${f.activation}|${app.hash}`;
  if (app.focusKey !== key) {
    app.focusKey = key;
    net.build({ ...app.state, hidden: app.state.hidden.map(() => f.activation) }, app.hello.activations, app.hello.features, app.hello.limits);
    requestPreview(f.activation);
  }
  const history = (app.raceHistory[f.activation] || []).map((p) => [p.epoch, p.train, p.test]);
  drawFrame(f, history, app.raceGrad[f.activation] || []);
  $("epoch").textContent = formatEpoch(Math.max(...frame.runs.map((r) => r?.epoch ?? 0)));
}

function drawColourKey(state) {
  const multi = state.problem === "classification" && state.classes > 2;
  paintColourKey($("colour-key"), multi ? state.classes : 2);
  $("key-low").textContent = multi ? "class 1" : "-1";
  $("key-high").textContent = multi ? `class ${state.classes}` : "1";
  $("colour-key").title = multi ? "the winning class; paler where the network is less sure" : "the output, from -1 to 1";
}

function drawPoints() {
  const canvas = $("points-layer");
  const s = app.state;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = 300 * ratio; canvas.height = 300 * ratio;
  paintPoints(canvas, s.train, { problem: s.problem, classes: s.classes });
  if (app.setup.show_test) paintPoints(canvas, s.test, { problem: s.problem, classes: s.classes, test: true, clear: false });
}

// 000,003 for whole epochs; 000,003.4 when an update stopped four tenths into epoch 4
function formatEpoch(epoch) {
  const whole = Math.floor(epoch + 1e-9);
  const text = String(whole).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const tenth = Math.floor((epoch - whole) * 10 + 1e-9);
  return epoch - whole > 1e-9 ? `${text}.${tenth}` : text;
}

function showRate() {
  const now = performance.now();
  app.received = app.received.filter((t) => now - t < 1000);
  $("rate").textContent = app.playing ? `${app.received.length} updates/s` : "";
}

// ------------------------------------------------------------------ controls

function change(patch) {
  const next = { ...app.setup, ...patch };
  send({ type: "setup", setup: next });
}

function fillSelect(select, options) {
  select.replaceChildren(...options.map(([value, text]) => {
    const o = document.createElement("option");
    o.value = String(value); o.textContent = text;
    return o;
  }));
}

function selectValue(select, value) {
  const text = String(value);
  if (![...select.options].some((o) => o.value === text)) {
    const o = document.createElement("option");
    o.value = text; o.textContent = text;
    select.appendChild(o);
  }
  select.value = text;
}

function syncControls() {
  const s = app.setup;
  selectValue($("learning-rate"), s.learning_rate);
  selectValue($("reg-rate"), s.reg_rate);
  selectValue($("epochs-per-update"), s.epochs_per_update);
  selectValue($("fps"), s.fps);
  $("regularization").value = s.regularization;
  $("problem").value = s.problem;
  $("loss").value = s.loss;
  $("loss").querySelector('option[value="mse"]').disabled = s.classes > 2 && s.problem === "classification";
  $("loss").querySelector('option[value="cross_entropy"]').disabled = s.problem === "regression";
  const known = app.hello.activations.some((a) => a.name === s.activation);
  $("activation").value = known ? s.activation : CUSTOM;
  $("custom-formula").hidden = known && !app.customOpen;
  if (!known) $("custom-formula").value = s.activation;
  setSlider("ratio", s.train_ratio, `${s.train_ratio}%`);
  setSlider("noise", s.noise, `${s.noise}`);
  setSlider("batch", s.batch_size, `${s.batch_size}`);
  const meta = app.hello.datasets.find((d) => d.name === s.dataset);
  const defaultPoints = meta ? meta.points : app.state?.train.length + app.state?.test.length;
  setSlider("points", s.points || defaultPoints, `${s.points || defaultPoints}`);
  setSlider("classes", s.classes, `${s.classes}`);
  $("classes-row").hidden = !(meta && meta.multiclass);
  $("points").disabled = s.dataset === "csv";
  $("show-test").checked = s.show_test;
  $("discretize").checked = s.discretize;
  $("layers-count").textContent = `${s.layers.length} hidden layer${s.layers.length === 1 ? "" : "s"}`;
  $("add-layer").disabled = s.layers.length >= app.hello.limits.max_layers;
  $("remove-layer").disabled = s.layers.length === 0;
  document.querySelectorAll(".dataset").forEach((b) => {
    b.classList.toggle("selected", b.dataset.name === s.dataset);
    b.classList.toggle("other-problem", b.dataset.problem !== s.problem);
  });
  document.querySelectorAll("#race-choices input").forEach((box) => { box.checked = s.race.includes(box.value); });
}

function setSlider(id, value, text) {
  $(id).value = value;
  $(`${id}-value`).textContent = text;
}

function buildDatasets(datasets) {
  const root = $("datasets");
  root.replaceChildren(...datasets.map((d) => {
    const button = document.createElement("button");
    button.className = "dataset";
    button.dataset.name = d.name;
    button.dataset.problem = d.problem;
    button.title = `${d.name}: ${d.summary}`;
    const canvas = document.createElement("canvas");
    canvas.width = 80; canvas.height = 80;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#f4f4f4";
    ctx.fillRect(0, 0, 80, 80);
    for (const [x, y, label] of d.preview) {
      ctx.fillStyle = pointColour(label, d.problem, d.classes);
      ctx.fillRect((x + 6) / 12 * 80 - 1.5, (6 - y) / 12 * 80 - 1.5, 3, 3);
    }
    button.appendChild(canvas);
    button.addEventListener("click", () => {
      const patch = { dataset: d.name, points: 0, classes: d.classes || 2 };
      if (d.classes > 2) patch.loss = "cross_entropy";
      change(patch);
    });
    return button;
  }));
}

function buildRaceChoices(activations, maxRace) {
  const root = $("race-choices");
  root.replaceChildren(...activations.map((a) => {
    const label = document.createElement("label");
    label.innerHTML = `<input type="checkbox" value="${a.name}"> ${a.name}`;
    label.querySelector("input").addEventListener("change", () => {
      const chosen = [...root.querySelectorAll("input:checked")].map((b) => b.value);
      if (chosen.length === 0 || chosen.length > maxRace) {
        toast(`Race between 1 and ${maxRace} activations.`, "error", 3000);
        syncControls();
        return;
      }
      change({ race: chosen });
    });
    return label;
  }));
}

function requestPreview(spec) {
  app.previewSpec = spec;
  send({ type: "preview", spec });
}

function wire() {
  $("play").addEventListener("click", () => send({ type: app.playing ? "pause" : "play" }));
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("reset").addEventListener("click", () => send({ type: "reset" }));
  $("regenerate").addEventListener("click", () => send({ type: "regenerate" }));
  $("learning-rate").addEventListener("change", (e) => change({ learning_rate: Number(e.target.value) }));
  $("reg-rate").addEventListener("change", (e) => change({ reg_rate: Number(e.target.value) }));
  $("regularization").addEventListener("change", (e) => change({ regularization: e.target.value }));
  $("epochs-per-update").addEventListener("change", (e) => change({ epochs_per_update: Number(e.target.value) }));
  $("fps").addEventListener("change", (e) => change({ fps: Number(e.target.value) }));
  $("loss").addEventListener("change", (e) => change({ loss: e.target.value }));
  $("problem").addEventListener("change", (e) => {
    const problem = e.target.value;
    const first = app.hello.datasets.find((d) => d.problem === problem);
    change({ problem, dataset: first.name, points: 0, classes: 2, loss: problem === "regression" ? "mse" : app.setup.loss === "mse" ? "mse" : "cross_entropy" });
  });
  $("activation").addEventListener("change", (e) => {
    if (e.target.value === CUSTOM) {
      app.customOpen = true;
      $("custom-formula").hidden = false;
      $("custom-formula").focus();
      return;
    }
    app.customOpen = false;
    change({ activation: e.target.value });
  });
  let timer = null;
  $("custom-formula").addEventListener("input", (e) => {
    clearTimeout(timer);
    const spec = e.target.value.trim();
    if (!spec) return;
    timer = setTimeout(() => { app.wantCustom = null; requestPreview(spec); }, 250);
  });
  $("custom-formula").addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    clearTimeout(timer);
    const spec = e.target.value.trim();
    if (!spec) return;
    app.wantCustom = spec;   // applied once the server has parsed it
    requestPreview(spec);
  });
  for (const [id, key] of [["ratio", "train_ratio"], ["noise", "noise"], ["batch", "batch_size"], ["points", "points"], ["classes", "classes"]]) {
    $(id).addEventListener("input", (e) => { $(`${id}-value`).textContent = e.target.value + (id === "ratio" ? "%" : ""); });
    $(id).addEventListener("change", (e) => {
      const patch = { [key]: Number(e.target.value) };
      if (key === "classes" && patch.classes > 2) patch.loss = "cross_entropy";
      change(patch);
    });
  }
  $("show-test").addEventListener("change", (e) => change({ show_test: e.target.checked }));
  $("discretize").addEventListener("change", (e) => change({ discretize: e.target.checked }));
  $("add-layer").addEventListener("click", () => change({ layers: [...app.setup.layers, 2] }));
  $("remove-layer").addEventListener("click", () => {
    const layers = app.setup.layers.slice(0, -1);
    change({ layers, layer_activations: app.setup.layer_activations.slice(0, layers.length) });
  });
  $("race-toggle").addEventListener("click", () => send({ type: "race", on: !app.racing }));
  $("export").addEventListener("click", () => send({ type: "export" }));
  $("import-file").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (!file) return;
    let data;
    try { data = JSON.parse(await file.text()); } catch { toast(`${file.name} is not JSON`, "error", 4000); return; }
    send({ type: "import", data });
  });
  $("csv-file").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (file) send({ type: "points", csv: await file.text() });
  });
  $("copy-link").addEventListener("click", () => copyText(location.href, "Link copied: it reproduces this setup."));
  $("copy-tf-link").addEventListener("click", () => copyText(app.state.tf_link, "TensorFlow Playground link copied."));
  $("link-notes").querySelector(".close").addEventListener("click", () => { $("link-notes").hidden = true; });
  $("teacher-hide-text").addEventListener("change", () => syncTeacher());
  $("teacher-copy").addEventListener("click", () => copyText($("teacher-link").value, "Lesson link copied."));
  const editor = $("editor");
  editor.querySelector("input").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      const value = Number(e.target.value);
      if (Number.isFinite(value)) app.commitEdit?.(value);
      editor.hidden = true;
    } else if (e.key === "Escape") {
      editor.hidden = true;
    }
  });
  editor.querySelector("input").addEventListener("blur", () => { editor.hidden = true; });
}

async function copyText(text, done) {
  try {
    await navigator.clipboard.writeText(text);
    toast(done, "info", 2500);
  } catch {
    toast(`Copy this link: ${text}`, "info", 8000);
  }
}

// ------------------------------------------------------------------ classroom

function buildTeacher(hidable, lessons) {
  $("teacher-controls").replaceChildren(...Object.entries(hidable).map(([key, label]) => {
    const row = document.createElement("label");
    row.className = "check";
    row.innerHTML = `<input type="checkbox" checked> `;
    row.append(label);
    const box = row.querySelector("input");
    box.value = key;
    box.addEventListener("change", () => syncTeacher());
    return row;
  }));
  $("lessons").replaceChildren(...lessons.map((lesson) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `#${lesson.hash}`;
    a.textContent = lesson.title;
    a.dataset.lesson = lesson.id;
    const p = document.createElement("p");
    p.textContent = lesson.text;
    li.append(a, p);
    return li;
  }));
}

// the teacher's link: this setup with the unticked controls hidden
function syncTeacher() {
  if (!app.setup) return;
  const boxes = [...document.querySelectorAll("#teacher-controls input")];
  const hides = JSON.stringify([app.setup.hide, app.setup.hide_text]);
  if (app.teacherFor !== hides) {   // a link that hides other controls: the boxes show them
    app.teacherFor = hides;
    boxes.forEach((b) => { b.checked = !app.setup.hide.includes(b.value); });
    $("teacher-hide-text").checked = app.setup.hide_text;
  }
  const hide = boxes.filter((b) => !b.checked).map((b) => b.value);
  // the hash as the server wrote it (URLSearchParams would turn a formula's spaces into "+")
  const parts = app.hash.split("&").filter((p) => !/^hide(_text)?=/.test(p));
  parts.push(`hide=${hide.join(",")}`, `hide_text=${$("teacher-hide-text").checked}`);
  $("teacher-link").value = `${location.origin}${location.pathname}#${parts.join("&")}`;
}

function edit(event, label, value, commit) {
  $("copy-tf-link").addEventListener("click", () => copyText(app.state.tf_link, "TensorFlow Playground link copied."));
  $("link-notes").querySelector(".close").addEventListener("click", () => { $("link-notes").hidden = true; });
  $("teacher-hide-text").addEventListener("change", () => syncTeacher());
  $("teacher-copy").addEventListener("click", () => copyText($("teacher-link").value, "Lesson link copied."));
  const editor = $("editor");
  editor.querySelector("span").textContent = label;
  const input = editor.querySelector("input");
  input.value = (+value).toFixed(3);
  editor.style.left = `${event.clientX + 8}px`;
  editor.style.top = `${event.clientY + 8}px`;
  editor.hidden = false;
  app.commitEdit = commit;
  input.focus();
  input.select();
}

function download(data) {
  const blob = new Blob([JSON.stringify(data, null, 1)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `actlab-playground-${data.setup.dataset}-epoch${data.epoch}.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

let toastTimer = null;
function toast(text, kind = "error", ms = 4000) {
  const el = $("toast");
  el.textContent = text;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  if (ms) toastTimer = setTimeout(() => { el.hidden = true; }, ms);
}

window.addEventListener("hashchange", () => {
  if (!app.hello || `#${app.hash}` === location.hash) return;
  openLink(location.hash);
});

net = new NetworkView($("network"), {
  send,
  edit,
  toggleFeature(name) {
    if (app.setup.hide.includes("features")) return;   // a lesson fixed the inputs
    const on = app.setup.features.includes(name);
    const features = on ? app.setup.features.filter((f) => f !== name) : [...app.setup.features, name];
    change({ features });
  },
  resizeLayer(l, delta) {
    const layers = [...app.setup.layers];
    layers[l] += delta;
    change({ layers });
  },
  setLayerActivation(l, value) {
    const own = [...app.setup.layer_activations];
    while (own.length < app.setup.layers.length) own.push("");
    own[l] = value;
    while (own.length && !own[own.length - 1]) own.pop();
    change({ layer_activations: own });
  },
});
window.actlabPlayground = app;   // for tests and the curious: the page's state, read-only by convention
wire();
connect();
hiDpi($("preview-chart"));
