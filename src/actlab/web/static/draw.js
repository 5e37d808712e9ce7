// Drawing helpers: colour scales, heatmaps from the server's bytes, small line charts.
// The server sends every heatmap as bytes (a Uint8Array: value in [-1, 1] scaled to 0..255); the
// page only turns bytes into pixels.

const NEG = [245, 147, 34];   // TF Playground's orange (-1)
const MID = [232, 234, 235];  // its light grey (0)
const POS = [8, 119, 189];    // its blue (+1)

// Class colours for more than two classes (class 0 and 1 keep TF Playground's orange and blue).
export const CLASS_COLOURS = [
  [245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189],
  [214, 39, 40], [23, 190, 207], [140, 86, 75], [227, 119, 194],
];
export const RUN_COLOURS = ["#0877bd", "#f59322", "#2ca02c", "#9467bd", "#d62728", "#17becf"];

// 256-entry diverging lookup table, the byte b meaning the value b / 127.5 - 1.
const LUT = new Uint8ClampedArray(256 * 3);
for (let b = 0; b < 256; b++) {
  const v = b / 127.5 - 1;
  const [from, to, t] = v < 0 ? [MID, NEG, -v] : [MID, POS, v];
  for (let c = 0; c < 3; c++) LUT[b * 3 + c] = from[c] + (to[c] - from[c]) * t;
}

export function colourOf(value) {
  const b = Math.max(0, Math.min(255, Math.round((value + 1) * 127.5)));
  return `rgb(${LUT[b * 3]},${LUT[b * 3 + 1]},${LUT[b * 3 + 2]})`;
}

// Paint bytes (size x size) onto a canvas of that size; `classes` (bytes) switches to class colours
// with the first array read as confidence.
export function paintHeatmap(canvas, bytes, size, { discretize = false, classes = null, k = 2 } = {}) {
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(size, size);
  const px = image.data;
  for (let i = 0; i < size * size; i++) {
    let r, g, b;
    if (classes) {
      const colour = CLASS_COLOURS[classes[i] % CLASS_COLOURS.length];
      // confidence runs from 1/k (a tie) to 1: the colour deepens with it
      const conf = (bytes[i] / 255 + 1) / 2;
      const t = discretize ? 0.85 : Math.max(0, Math.min(1, (conf - 1 / k) / (1 - 1 / k))) * 0.85;
      r = MID[0] + (colour[0] - MID[0]) * t;
      g = MID[1] + (colour[1] - MID[1]) * t;
      b = MID[2] + (colour[2] - MID[2]) * t;
    } else {
      let v = bytes[i];
      if (discretize) v = v >= 128 ? 255 : 0;
      r = LUT[v * 3]; g = LUT[v * 3 + 1]; b = LUT[v * 3 + 2];
    }
    px[i * 4] = r; px[i * 4 + 1] = g; px[i * 4 + 2] = b; px[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

// Points [x1, x2, label] on [-6, 6]^2; `test` draws TF Playground's dark outline.
export function paintPoints(canvas, points, { problem, classes, test = false, clear = true }) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height;
  if (clear) ctx.clearRect(0, 0, w, h);
  const r = Math.max(1.5, w / 100);
  ctx.lineWidth = test ? 1.2 : 0.8;
  ctx.strokeStyle = test ? "#000" : "#fff";
  for (const [x, y, label] of points) {
    const cx = (x + 6) / 12 * w, cy = (6 - y) / 12 * h;
    ctx.fillStyle = pointColour(label, problem, classes);
    ctx.beginPath();
    ctx.arc(cx, cy, r, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

export function pointColour(label, problem, classes) {
  if (problem === "regression") return colourOf(label);
  const c = CLASS_COLOURS[label % CLASS_COLOURS.length];
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// The key under the output: -1 (orange) to 1 (blue), or with k > 2 classes one swatch a class.
export function paintColourKey(canvas, k = 2) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (k > 2) {
    const w = canvas.width / k;
    for (let c = 0; c < k; c++) {
      ctx.fillStyle = pointColour(c, "classification", k);
      ctx.fillRect(Math.round(c * w) + 1, 0, Math.round(w) - 2, canvas.height);
    }
    return;
  }
  for (let x = 0; x < canvas.width; x++) {
    ctx.fillStyle = colourOf(x / (canvas.width - 1) * 2 - 1);
    ctx.fillRect(x, 0, 1, canvas.height);
  }
}

// Make a canvas crisp on high-density screens; returns a context in CSS pixels.
export function hiDpi(canvas) {
  const ratio = window.devicePixelRatio || 1;
  if (!canvas.dataset.cssWidth) {
    canvas.dataset.cssWidth = canvas.width;
    canvas.dataset.cssHeight = canvas.height;
  }
  const w = +canvas.dataset.cssWidth, h = +canvas.dataset.cssHeight;
  if (canvas.width !== w * ratio) {
    canvas.width = w * ratio; canvas.height = h * ratio;
    canvas.style.width = w + "px"; canvas.style.height = h + "px";
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

// A line chart: series = [{xs, ys, colour, dash, width}], null ys leave gaps.
export function lineChart(canvas, series, { log = false, xLabel = "", yMin = null, yMax = null, pad = 26, axes = true } = {}) {
  const { ctx, w, h } = hiDpi(canvas);
  const tf = (v) => (log ? Math.log10(Math.max(v, 1e-12)) : v);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) {
    s.xs.forEach((x, i) => {
      const y = s.ys[i];
      if (y === null || y === undefined || !isFinite(y)) return;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      y0 = Math.min(y0, tf(y)); y1 = Math.max(y1, tf(y));
    });
  }
  if (!isFinite(x0)) return;
  if (yMin !== null) y0 = Math.max(y0, yMin);
  if (yMax !== null) y1 = Math.min(y1, yMax);
  if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
  if (x1 === x0) x1 = x0 + 1;
  const left = axes ? pad + 8 : 2, bottom = axes ? h - 16 : h - 2, top = 4, right = w - 4;
  const sx = (x) => left + (x - x0) / (x1 - x0) * (right - left);
  const sy = (y) => bottom - (Math.min(Math.max(tf(y), y0), y1) - y0) / (y1 - y0) * (bottom - top);
  if (axes) {
    ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(left, top); ctx.lineTo(left, bottom); ctx.lineTo(right, bottom); ctx.stroke();
    ctx.fillStyle = "#888"; ctx.font = "9px Helvetica, Arial, sans-serif";
    ctx.textAlign = "right";
    const fmt = (v) => (log ? `1e${Math.round(v)}` : Math.abs(v) >= 100 ? v.toFixed(0) : +v.toPrecision(2) + "");
    ctx.fillText(fmt(y1), left - 3, top + 8);
    ctx.fillText(fmt(y0), left - 3, bottom);
    ctx.textAlign = "center";
    ctx.fillText(`${+x0.toPrecision(3)}`, left + 6, h - 4);
    ctx.fillText(`${+x1.toPrecision(3)} ${xLabel}`, right - 24, h - 4);
    if (!log && y0 < 0 && y1 > 0) {
      ctx.strokeStyle = "#eee";
      ctx.beginPath(); ctx.moveTo(left, sy(0)); ctx.lineTo(right, sy(0)); ctx.stroke();
    }
  }
  for (const s of series) {
    ctx.strokeStyle = s.colour; ctx.lineWidth = s.width || 1.5;
    ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    let pen = false;
    s.xs.forEach((x, i) => {
      const y = s.ys[i];
      if (y === null || y === undefined || !isFinite(y)) { pen = false; return; }
      if (pen) ctx.lineTo(sx(x), sy(y)); else ctx.moveTo(sx(x), sy(y));
      pen = true;
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

export function formatNumber(v, digits = 3) {
  if (v === null || v === undefined) return "–";
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4)) return v.toExponential(2);
  return v.toFixed(digits);
}
