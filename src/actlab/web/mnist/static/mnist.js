// actlab's live MNIST page. It holds no model: it sends the setup and the user's actions to the
// server (/mnist/ws) and draws what the server sends (state, frames, test results, race curves).
// The setup lives in the URL (#s=...), so a link reproduces the run's settings.

const $ = (id) => document.getElementById(id);
const app = { hello: null, state: null, lastFrame: null, lastTest: null, lastProbe: null,
  playing: false, racing: false, frames: 0, errors: [], raceLayer: 0, padBlank: true };
window.actlabMnist = app;

const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
const SETUP_FIELDS = ["learning_rate", "momentum", "batch_size", "l2_decay", "seed"];
let socket = null;

// ------------------------------------------------------------------ wire

// A binary message: uint32 little-endian n, n bytes of JSON, then the bytes its
// {"$bytes": [offset, length]} values point into (see actlab/web/wire.py).
function decode(data) {
  if (typeof data === "string") return JSON.parse(data);
  const n = new DataView(data).getUint32(0, true);
  const base = 4 + n;
  const text = new TextDecoder().decode(new Uint8Array(data, 4, n));
  return JSON.parse(text, (key, value) =>
    value && Array.isArray(value.$bytes) ? new Uint8Array(data, base + value.$bytes[0], value.$bytes[1]) : value);
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/mnist/ws`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => receive(decode(event.data));
  socket.onclose = () => showError("connection to the server closed; reload the page");
}

// ------------------------------------------------------------------ messages

const handlers = {
  hello(msg) {
    app.hello = msg;
    fill($("dataset"), msg.datasets.map((d) => [d.name, d.missing ? `${d.name} (not found)` : d.name, d.missing]));
    fill($("optimizer"), msg.optimizers.map((o) => [o, o]));
    $("activation-list").textContent = msg.activations.join(", ");
    const fromUrl = setupFromUrl();
    if (fromUrl) send({ type: "setup", setup: fromUrl });
  },
  state(msg) {
    app.state = msg;
    app.playing = msg.playing;
    app.racing = msg.racing;
    showSetup(msg);
    handlers.frame(msg.frame);
  },
  frame(msg) {
    app.lastFrame = msg;
    app.frames += 1;
    if (msg.stats) drawStats(msg.stats);
    if (msg.example) drawLayers($("layers"), msg.example, msg.filters, `example labelled ${msg.example.label}`);
    if (msg.test) drawTest(msg.test);
    if (msg.race) drawRace(msg.race);
    send({ type: "ack", frame: msg.frame });
    countFps();
  },
  playing(msg) { app.playing = msg.playing; showPlaying(); },
  saved(msg) { download(new Blob([JSON.stringify(msg.data)], { type: "application/json" }), "actlab-mnist-net.json"); },
  torch_state(msg) { download(new Blob([msg.data]), "actlab-mnist.pt"); },
  probe(msg) { app.lastProbe = msg; drawProbe(msg); },
  error(msg) { showError(`${msg.context}: ${msg.message}`); if (msg.context === "train") { app.playing = false; showPlaying(); } },
};

function receive(msg) {
  const handler = handlers[msg.type];
  if (handler) handler(msg);
}

// ------------------------------------------------------------------ controls

function fill(select, options) {
  select.replaceChildren(...options.map(([value, label, missing]) => {
    const o = document.createElement("option");
    o.value = value; o.textContent = label; o.disabled = Boolean(missing);
    if (missing) o.title = missing;
    return o;
  }));
}

function showSetup(state) {
  const s = state.setup;
  $("dataset").value = s.dataset;
  $("optimizer").value = s.optimizer;
  for (const f of SETUP_FIELDS) $(f).value = s[f];
  // keep what the user is typing unless the server's network itself changed (data set, load)
  if (state.network !== app.shownNetwork || $("network").value === app.shownNetwork) $("network").value = state.network;
  app.shownNetwork = state.network;
  $("race-specs").value = s.race.join(", ");
  const lr = s.optimizer === "adadelta";
  $("learning_rate").disabled = lr;
  $("learning_rate").title = lr ? "Adadelta sets its own step sizes" : "";
  $("momentum").disabled = !["sgd", "nesterov"].includes(s.optimizer);
  const d = state.dataset;
  $("data-info").textContent = `${d.name}: ${d.train} training, ${d.validation} validation, ${d.test} test images of ${d.image.join("x")}; the network sees ${d.input.join("x")} crops; ${state.parameters.toLocaleString()} parameters, trained on ${state.device}. Source: ${d.source}.`;
  $("layer-plan").replaceChildren(...state.layers.map((l) => {
    const div = document.createElement("div");
    div.textContent = `${l.text}  →  ${l.shape.join("x")}${l.parameters ? `, ${l.parameters.toLocaleString("en")} parameters` : ""}`;
    return div;
  }));
  history.replaceState(null, "", `#s=${encodeURIComponent(JSON.stringify(s))}`);
  $("race").textContent = app.racing ? "Stop race" : "Start race";
  document.body.classList.toggle("racing", app.racing);
  showPlaying();
}

function setupFromUrl() {
  const match = location.hash.match(/^#s=(.*)$/);
  if (!match) return null;
  try { return JSON.parse(decodeURIComponent(match[1])); } catch { showError("the link's setup is not valid JSON"); return null; }
}

function sendSetup(changes) {
  if (!app.state) return;
  send({ type: "setup", setup: { ...app.state.setup, ...changes } });
}

function showPlaying() {
  $("play").textContent = app.playing ? "Pause" : "Play";
  $("play").classList.toggle("on", app.playing);
}

function showError(text) {
  app.errors.push(text);
  const box = $("error");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { box.hidden = true; }, 8000);
}

function download(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function wire() {
  $("play").onclick = () => send({ type: app.playing ? "pause" : "play" });
  $("step").onclick = () => send({ type: "step" });
  $("reset").onclick = () => send({ type: "reset" });
  $("dataset").onchange = () => sendSetup({ dataset: $("dataset").value, network: "" });
  $("optimizer").onchange = () => sendSetup({ optimizer: $("optimizer").value });
  for (const f of SETUP_FIELDS) {
    $(f).onchange = () => {
      const value = Number($(f).value);
      if ($(f).value === "" || !Number.isFinite(value)) { showError(`${f}: enter a number`); return; }
      if (app.state && app.state.setup[f] === value) return;
      sendSetup({ [f]: value });
    };
  }
  $("apply-network").onclick = () => sendSetup({ network: $("network").value });
  $("default-network").onclick = () => sendSetup({ network: "" });
  $("save").onclick = () => send({ type: "save" });
  $("export-torch").onclick = () => send({ type: "export_torch" });
  $("load-file").onchange = async () => {
    const file = $("load-file").files[0];
    if (!file) return;
    let data;
    try { data = JSON.parse(await file.text()); } catch { showError(`load: ${file.name} is not JSON`); return; }
    $("load-file").value = "";
    if (!data || typeof data !== "object" || Array.isArray(data)) { showError(`load: ${file.name} is not a saved network`); return; }
    send({ type: "load", data });
  };
  $("race").onclick = () => {
    if (app.racing) { send({ type: "race", on: false }); return; }
    const specs = $("race-specs").value.split(",").map((s) => s.trim()).filter(Boolean);
    sendSetup({ race: specs });
    send({ type: "race", on: true });
    send({ type: "play" });
  };
  $("race-layer").onchange = () => { app.raceLayer = Number($("race-layer").value); if (app.lastRace) drawRace(app.lastRace); };
  wirePad();
}

// ------------------------------------------------------------------ drawing helpers

// One tile per channel of a (c, h, w) uint8 block, grey levels, `scale` screen pixels a value.
function tiles(shape, bytes, scale, gap = 2, perRow = 0) {
  const [c, h, w] = shape;
  const cols = perRow || c;
  const rows = Math.ceil(c / cols);
  const canvas = document.createElement("canvas");
  canvas.width = cols * (w * scale + gap);
  canvas.height = rows * (h * scale + gap);
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(canvas.width, canvas.height);
  for (let k = 0; k < c; k++) {
    const x0 = (k % cols) * (w * scale + gap), y0 = Math.floor(k / cols) * (h * scale + gap);
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const v = bytes[k * h * w + Math.floor(y / scale) * w + Math.floor(x / scale)];
        const i = 4 * ((y0 + y) * canvas.width + x0 + x);
        image.data[i] = image.data[i + 1] = image.data[i + 2] = v; image.data[i + 3] = 255;
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

function scaleFor(h, target = 48) { return Math.max(2, Math.min(12, Math.floor(target / Math.max(h, 1)))); }

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// a number for a label: fixed digits, or 3 significant ones when it is small (a gradient)
function fmt(v, digits = 3) {
  if (v === null || v === undefined) return "-";
  const a = Math.abs(v);
  return a !== 0 && a < 10 ** -(digits - 1) ? Number(v).toExponential(2) : Number(v).toFixed(digits);
}

function drawLayers(container, example, filters, caption, withGradients = true) {
  if (container.id === "layers") $("vis-caption").textContent = caption;
  const rows = [];
  let conv = 0;
  for (const tile of example.tiles) {
    const row = el("div", "layer");
    const info = el("div", "layer-info");
    const [c, h, w] = tile.shape;
    info.append(el("b", null, tile.name), el("div", null, `${c}x${h}x${w}`),
      el("div", "minmax", `act ${fmt(tile.min)} … ${fmt(tile.max)}`),
      ...(withGradients ? [el("div", "minmax", `grad ${fmt(tile.grad_min, 4)} … ${fmt(tile.grad_max, 4)}`)] : []));
    row.append(info);
    const vector = h === 1 && w === 1;
    const shape = vector ? [1, 1, c] : tile.shape;
    const scale = vector ? 10 : scaleFor(h);
    const acts = el("div", "tiles"); acts.append(el("span", "what", "activations"), tiles(shape, tile.values, scale));
    const grads = el("div", "tiles"); grads.append(el("span", "what", "gradients"), tiles(shape, tile.grad, scale));
    row.append(acts);
    if (withGradients) row.append(grads);
    if (tile.name === "conv" && filters && filters[conv]) {
      const f = filters[conv++];
      const [o, i, k] = f.shape;
      const box = el("div", "tiles");
      const perRow = i > 1 ? i : Math.min(o, 16);
      box.append(el("span", "what", `weights ${o}x${i}x${k}x${k}+${o} = ${(o * i * k * k + o).toLocaleString("en")} parameters (${fmt(f.min)} … ${fmt(f.max)})`),
        tiles([o * i, k, k], f.values, k > 6 ? 2 : 3, 1, perRow));
      row.append(box);
      if (f.grad) {
        const box2 = el("div", "tiles");
        box2.append(el("span", "what", `weight gradients (${fmt(f.grad_min, 4)} … ${fmt(f.grad_max, 4)})`),
          tiles([o * i, k, k], f.grad, k > 6 ? 2 : 3, 1, perRow));
        row.append(box2);
      }
    }
    rows.push(row);
  }
  container.replaceChildren(...rows);
}

function drawStats(s) {
  $("forward_ms").textContent = `${fmt(s.forward_ms, 4)} ms`;
  $("backward_ms").textContent = `${fmt(s.backward_ms, 4)} ms`;
  $("class_loss").textContent = fmt(s.class_loss, 4);
  $("l2_loss").textContent = fmt(s.l2_loss, 4);
  $("train_acc").textContent = s.train_acc === null ? "-" : `${(100 * s.train_acc).toFixed(1)} %`;
  $("val_acc").textContent = s.val_acc === null ? "-" : `${(100 * s.val_acc).toFixed(1)} %`;
  $("examples").textContent = s.examples.toLocaleString("en");
  $("speed").textContent = s.seconds > 0 ? Math.round(s.examples / s.seconds).toLocaleString("en") : "-";
  lineChart($("loss-curve"), [{ name: "loss", color: "#1f77b4", points: s.curve }], { yMin: 0 });
}

function countFps() {
  const now = performance.now();
  app.frameTimes = (app.frameTimes || []).filter((t) => now - t < 2000);
  app.frameTimes.push(now);
  $("fps").textContent = app.playing ? (app.frameTimes.length / 2).toFixed(1) : "-";
}

// A line chart of series [{name, color, points: [[x, y], ...]}] with axes and a legend.
function lineChart(canvas, series, { yMin = null, yMax = null } = {}) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, L = 44, B = 20, T = 8, R = 8;
  ctx.clearRect(0, 0, W, H);
  const pts = series.flatMap((s) => s.points.filter((p) => p[1] !== null && Number.isFinite(p[1])));
  if (!pts.length) return;
  const x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]), x0 + 1e-9);
  const y0 = yMin ?? Math.min(...pts.map((p) => p[1]));
  const y1 = Math.max(yMax ?? Math.max(...pts.map((p) => p[1])), y0 + 1e-9);
  const X = (v) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
  const Y = (v) => H - B - ((v - y0) / (y1 - y0)) * (H - B - T);
  ctx.strokeStyle = "#999"; ctx.fillStyle = "#555"; ctx.font = "10px sans-serif"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(L, T); ctx.lineTo(L, H - B); ctx.lineTo(W - R, H - B); ctx.stroke();
  ctx.fillText(short(y1), 2, T + 8); ctx.fillText(short(y0), 2, H - B);
  ctx.fillText(short(x0), L, H - 6); const right = short(x1); ctx.fillText(right, W - R - ctx.measureText(right).width, H - 6);
  series.forEach((s, k) => {
    ctx.strokeStyle = s.color; ctx.lineWidth = 1.5; ctx.beginPath();
    let started = false;
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) { started = false; continue; }
      if (started) ctx.lineTo(X(x), Y(y)); else { ctx.moveTo(X(x), Y(y)); started = true; }
    }
    ctx.stroke();
    if (series.length > 1) { ctx.fillStyle = s.color; ctx.fillText(s.name, L + 6, T + 10 + 11 * k); }
  });
}

function short(v) {
  const a = Math.abs(v);
  if (a >= 1e4) return `${(v / 1000).toFixed(0)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1 || a === 0) return v.toFixed(2);
  return v.toPrecision(2);
}

function drawTest(test) {
  app.lastTest = test;
  $("test_acc").textContent = `${(100 * test.accuracy).toFixed(1)} % (${test.images} images)`;
  const g = test.grid;
  const [c, h, w] = g.shape;
  const names = app.state ? app.state.dataset.classes : [];
  const cells = g.labels.map((label, n) => {
    const cell = el("div", "cell");
    const pixels = g.pixels.subarray(n * c * h * w, (n + 1) * c * h * w);
    cell.append(image(pixels, g.shape, g.scale, scaleFor(h, 40)));
    const list = el("div", "top3");
    g.top3[n].forEach((k, rank) => {
      const line = el("div", k === label ? "right" : rank === 0 ? "wrong" : "other", `${names[k] ?? k} ${(100 * g.probs[n][rank]).toFixed(0)}%`);
      list.append(line);
    });
    cell.append(list);
    cell.title = `label: ${names[label] ?? label}`;
    return cell;
  });
  $("test-grid").replaceChildren(...cells);
  drawConfusion(test.confusion, names);
}

// An image (c, h, w) of uint8 pixels as a canvas: grey for one channel, colour for three.
function image(pixels, [c, h, w], scale, zoom) {
  const canvas = document.createElement("canvas");
  canvas.width = w * zoom; canvas.height = h * zoom;
  const ctx = canvas.getContext("2d");
  const data = ctx.createImageData(canvas.width, canvas.height);
  const k = 255 / scale;
  for (let y = 0; y < h * zoom; y++) {
    for (let x = 0; x < w * zoom; x++) {
      const p = Math.floor(y / zoom) * w + Math.floor(x / zoom), i = 4 * (y * canvas.width + x);
      for (let ch = 0; ch < 3; ch++) data.data[i + ch] = Math.min(255, pixels[(c === 3 ? ch : 0) * h * w + p] * k);
      data.data[i + 3] = 255;
    }
  }
  ctx.putImageData(data, 0, 0);
  return canvas;
}

function drawConfusion(matrix, names) {
  const table = el("table", "confusion");
  const head = el("tr");
  head.append(el("th", null, "true \\ predicted"), ...matrix.map((_, j) => el("th", null, String(names[j] ?? j).slice(0, 5))));
  table.append(head);
  const most = Math.max(1, ...matrix.flat());
  matrix.forEach((row, i) => {
    const tr = el("tr");
    tr.append(el("th", null, String(names[i] ?? i).slice(0, 5)));
    row.forEach((v, j) => {
      const td = el("td", i === j ? "diag" : null, v ? String(v) : "");
      const a = v / most;
      td.style.background = i === j ? `rgba(44,160,44,${a})` : `rgba(214,39,40,${Math.min(1, 4 * a)})`;
      tr.append(td);
    });
    table.append(tr);
  });
  $("confusion").replaceChildren(table);
}

function drawRace(race) {
  app.lastRace = race;
  if ($("race-layer").options.length !== race.layers.length) {
    fill($("race-layer"), race.layers.map((name, i) => [String(i), name]));
    $("race-layer").value = String(Math.min(app.raceLayer, race.layers.length - 1));
  }
  const layer = Number($("race-layer").value) || 0;
  const series = (get) => race.runs.map((run, k) => ({ name: run.activation, color: COLORS[k % COLORS.length], points: run.history.map(get) }));
  lineChart($("race-acc-examples"), series((p) => [p.examples, p.test_acc]), { yMin: 0, yMax: 1 });
  lineChart($("race-acc-seconds"), series((p) => [p.seconds, p.test_acc]), { yMin: 0, yMax: 1 });
  lineChart($("race-grad"), series((p) => [p.examples, p.grad[layer]]), { yMin: 0 });
  lineChart($("race-blocked"), series((p) => [p.examples, p.blocked[layer]]), { yMin: 0, yMax: 1 });
  lineChart($("race-dead"), series((p) => [p.examples, p.dead[layer]]), { yMin: 0, yMax: 1 });
  const table = $("race-table");
  const head = el("tr");
  head.append(...["activation", "examples", "seconds", "test accuracy", "loss", "gradient RMS", "saturated/off", "dead"].map((t) => el("th", null, t)));
  const rows = race.runs.map((run, k) => {
    const p = run.history[run.history.length - 1];
    const tr = el("tr");
    const name = el("td", null, run.activation); name.style.color = COLORS[k % COLORS.length];
    tr.append(name);
    if (p) tr.append(...[p.examples.toLocaleString("en"), fmt(p.seconds, 1), p.test_acc === null ? "diverged" : `${(100 * p.test_acc).toFixed(1)} %`, fmt(p.loss, 4), fmt(p.grad[layer], 5), fmt(p.blocked[layer], 3), fmt(p.dead[layer], 3)].map((t) => el("td", null, t)));
    return tr;
  });
  table.replaceChildren(head, ...rows);
}

// ------------------------------------------------------------------ the drawing pad

function wirePad() {
  const pad = $("pad");
  const ctx = pad.getContext("2d");
  const clear = () => { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, pad.width, pad.height); };
  clear();
  let down = false, last = null, pending = false;
  const at = (e) => { const r = pad.getBoundingClientRect(); return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height]; };
  const stroke = (e) => {
    app.padBlank = false;
    const p = at(e);
    // a stroke about as wide, relative to the image, as the data set's own strokes
    const side = app.state ? app.state.dataset.image[1] : 28;
    ctx.strokeStyle = "#fff"; ctx.lineWidth = pad.width * (side <= 8 ? 0.17 : 0.09); ctx.lineCap = "round";
    ctx.beginPath(); ctx.moveTo(...(last || p)); ctx.lineTo(...p); ctx.stroke();
    last = p;
    if (!pending) { pending = true; setTimeout(() => { pending = false; probe(); }, 100); }
  };
  pad.onmousedown = (e) => { down = true; last = null; stroke(e); };
  pad.onmousemove = (e) => { if (down) stroke(e); };
  window.addEventListener("mouseup", () => { if (down) { down = false; probe(); } });
  // a reply still on its way when the pad is cleared is not drawn
  $("image-file").onchange = async () => {
    const file = $("image-file").files[0];
    if (!file) return;
    $("image-file").value = "";
    let bitmap;
    try { bitmap = await createImageBitmap(file); } catch { showError(`${file.name}: not an image the browser can read`); return; }
    clear();
    const s = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
    const w = bitmap.width * s, h = bitmap.height * s;
    ctx.drawImage(bitmap, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
    app.padBlank = false;
    probe();
  };
  $("clear-pad").onclick = () => { clear(); app.padBlank = true; $("probe-result").replaceChildren(); };
}

// The pad, averaged down to the data's image size (values 0..1), sent for a prediction.
function probe() {
  if (!app.state || app.padBlank) return;
  const [c, h, w] = app.state.dataset.image;
  const pad = $("pad");
  const small = document.createElement("canvas");
  small.width = w; small.height = h;
  const sctx = small.getContext("2d");
  sctx.imageSmoothingEnabled = true; sctx.imageSmoothingQuality = "high";
  sctx.drawImage(pad, 0, 0, w, h);
  const data = sctx.getImageData(0, 0, w, h).data;
  // colour data takes the colours; grey data the mean of red, green and blue
  const at = (i, ch) => (c === 3 ? data[4 * i + ch] : (data[4 * i] + data[4 * i + 1] + data[4 * i + 2]) / 3);
  const pixels = [];
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) pixels.push(Math.round(at(i, ch) / 2.55) / 100);
  send({ type: "probe", pixels });
}

function drawProbe(msg) {
  if (app.padBlank) return;
  const names = app.state.dataset.classes;
  const order = msg.probs.map((p, k) => [p, k]).sort((a, b) => b[0] - a[0]).slice(0, 3);
  const box = $("probe-result");
  const head = el("div", "prediction", `prediction: ${names[msg.label] ?? msg.label}`);
  const list = el("div", "top3");
  for (const [p, k] of order) list.append(el("div", null, `${names[k] ?? k} ${(100 * p).toFixed(1)}%`));
  const layers = el("div", "probe-layers");
  drawLayers(layers, msg, null, "", false);
  box.replaceChildren(head, list, layers);
}

wire();
connect();
