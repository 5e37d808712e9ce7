// The network diagram: feature toggles, hidden layers with +/- buttons and per-layer activation,
// a thumbnail heatmap per unit, links coloured and sized by weight, biases, gradient bars and
// saturation shading. It draws what the server sent; every change goes back as a new setup.
import { colourOf, paintHeatmap, CLASS_COLOURS, formatNumber } from "./draw.js";

const NODE = 40;        // node size in CSS pixels
const COMPACT_NODE = 30; // node size when the columns are closer than 80 px
const ROW = 50;         // vertical spacing of units
const TOP = 86;         // space for the layer headers
const FEATURE_LABELS = {
  x1: "X<sub>1</sub>", x2: "X<sub>2</sub>", x1sq: "X<sub>1</sub><sup>2</sup>", x2sq: "X<sub>2</sub><sup>2</sup>",
  x1x2: "X<sub>1</sub>X<sub>2</sub>", sinx1: "sin(X<sub>1</sub>)", sinx2: "sin(X<sub>2</sub>)",
};
const SVG = "http://www.w3.org/2000/svg";

export class NetworkView {
  constructor(root, handlers) {
    this.root = root;
    this.svg = root.querySelector("#links");
    this.handlers = handlers;
    this.key = "";
    this.units = [];     // units[l][j] = {el, canvas, sat, bias} for hidden layer l
    this.links = [];     // links[l][i][j] = path
    this.heads = [];
    this.outputs = [];
    this.hoverCard = document.getElementById("hover-card");
  }

  // Rebuild the DOM when the structure changes (layers, widths, features, activations).
  build(state, catalog, allFeatures, limits) {
    const key = JSON.stringify([state.sizes, state.setup.features, state.hidden, state.setup.layer_activations, state.output_kind, state.classes]);
    if (key === this.key) return;
    this.key = key;
    this.state = state;
    const root = this.root;
    root.querySelectorAll(".node, .layer-head").forEach((n) => n.remove());
    this.svg.replaceChildren();
    const layers = state.setup.layers;
    const width = root.clientWidth || 640;
    const tallest = Math.max(allFeatures.length, ...layers, state.sizes[state.sizes.length - 1]);
    root.style.height = `${TOP + tallest * ROW + 10}px`;
    let span = (width - NODE - 6 - 96) / (layers.length + 1);
    // many layers on a narrow screen: smaller units and headers, so the links stay visible
    this.size = span < 80 ? COMPACT_NODE : NODE;
    root.classList.toggle("compact", this.size === COMPACT_NODE);
    const featureX = 96, outputX = width - this.size - 6;
    span = (outputX - featureX) / (layers.length + 1);
    const colX = (c) => featureX + c * span;   // c = 0 features, 1..L hidden, L+1 output

    // features: all of them, switched on or off by a click
    const enabled = state.setup.features;
    const featurePos = {};
    this.featureNodes = [];
    allFeatures.forEach((name, i) => {
      const node = this.node(colX(0), TOP + i * ROW, "feature" + (enabled.includes(name) ? "" : " off"));
      node.el.dataset.feature = name;
      node.el.title = `click to switch ${name} ${enabled.includes(name) ? "off" : "on"}`;
      const label = document.createElement("div");
      label.className = "name";
      label.innerHTML = FEATURE_LABELS[name] || name;
      node.el.appendChild(label);
      node.el.addEventListener("click", () => this.handlers.toggleFeature(name));
      const k = enabled.indexOf(name);
      if (k >= 0) {
        paintHeatmap(node.canvas, state.inputs[k], Math.sqrt(state.inputs[k].length));
        featurePos[k] = [colX(0), TOP + i * ROW];
      }
      this.hoverable(node.el, () => ({ bytes: k >= 0 ? state.inputs[k] : null, text: `input ${name}` }));
    });

    // hidden layers
    this.units = [];
    this.heads = [];
    const positions = [enabled.map((_, k) => featurePos[k])];
    layers.forEach((count, l) => {
      const x = colX(l + 1);
      this.heads.push(this.layerHead(x, l, count, state, catalog, limits));
      const col = [];
      const pos = [];
      const y0 = TOP;
      for (let j = 0; j < count; j++) {
        const y = y0 + j * ROW;
        const node = this.node(x, y, "unit");
        node.sat = document.createElement("div");
        node.sat.className = "sat";
        node.el.appendChild(node.sat);
        node.bias = this.biasBox(node.el, l, j);
        node.saturation = 0;
        this.hoverable(node.el, () => ({
          bytes: this.frame?.heat?.units?.[l]?.[j],
          text: `layer ${l + 1}, unit ${j + 1} · ${escapeHtml(state.hidden[l])}<br>bias ${formatNumber(this.frame?.biases?.[l]?.[j])} · saturated on ${Math.round(node.saturation * 100)}% of training points`,
        }));
        col.push(node);
        pos.push([x, y]);
      }
      this.units.push(col);
      positions.push(pos);
    });

    // output units (one, or one per class)
    const outCount = state.sizes[state.sizes.length - 1];
    const outX = colX(layers.length + 1);
    this.heads.push(this.outputHead(outX, layers.length));
    this.outputs = [];
    const outPos = [];
    for (let j = 0; j < outCount; j++) {
      const y = TOP + j * ROW;
      const node = this.node(outX, y, "output");
      node.bias = this.biasBox(node.el, layers.length, j);
      if (outCount > 1) {
        const c = CLASS_COLOURS[j % CLASS_COLOURS.length];
        node.canvas.style.background = `rgb(${c})`;
        node.el.title = `output for class ${j}`;
      }
      this.hoverable(node.el, () => ({ bytes: outCount === 1 ? this.frame?.heat?.output : null, size: this.frame?.heat?.size, text: `output · ${state.output_kind}` }));
      this.outputs.push(node);
      outPos.push([outX, y]);
    }
    positions.push(outPos);

    // links between consecutive columns, drawn under the nodes
    this.links = [];
    for (let l = 0; l < positions.length - 1; l++) {
      const rows = [];
      positions[l].forEach((from, i) => {
        const row = [];
        positions[l + 1].forEach((to, j) => {
          if (!from) { row.push(null); return; }
          row.push(this.link(from, to, l, i, j));
        });
        rows.push(row);
      });
      this.links.push(rows);
    }
  }

  node(x, y, kind) {
    const el = document.createElement("div");
    el.className = `node ${kind}`;
    el.style.left = `${x}px`;
    el.style.top = `${y}px`;
    const canvas = document.createElement("canvas");
    canvas.width = 50; canvas.height = 50;
    el.appendChild(canvas);
    this.root.appendChild(el);
    return { el, canvas };
  }

  biasBox(parent, layer, unit) {
    const box = document.createElement("div");
    box.className = "bias";
    box.title = "bias: click to edit";
    box.addEventListener("click", (e) => {
      e.stopPropagation();
      this.handlers.edit(e, `bias of layer ${layer + 1}, unit ${unit + 1}`, this.frame?.biases?.[layer]?.[unit] ?? 0,
        (v) => this.handlers.send({ type: "set_bias", layer, unit, value: v }));
    });
    parent.appendChild(box);
    return box;
  }

  link([x1, y1], [x2, y2], layer, source, target) {
    const n = this.size;
    const a = [x1 + n, y1 + n / 2], b = [x2, y2 + n / 2];
    const mx = (a[0] + b[0]) / 2;
    const d = `M${a[0]},${a[1]} C${mx},${a[1]} ${mx},${b[1]} ${b[0]},${b[1]}`;
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    path.setAttribute("class", "link");
    const hit = document.createElementNS(SVG, "path");
    hit.setAttribute("d", d);
    hit.setAttribute("class", "hit");
    const name = this.linkName(layer, source, target);
    hit.addEventListener("click", (e) => {
      const w = this.frame?.weights?.[layer]?.[source]?.[target] ?? 0;
      this.handlers.edit(e, name, w,
        (v) => this.handlers.send({ type: "set_weight", layer, source, target, value: v }));
    });
    // the weight's value beside the pointer, kept current while training
    const tip = document.getElementById("weight-tip");
    hit.addEventListener("mousemove", (e) => {
      this.hovered = { layer, source, target, name };
      tip.style.left = `${e.clientX + 14}px`;
      tip.style.top = `${e.clientY + 10}px`;
      this.showWeight();
      tip.hidden = false;
    });
    hit.addEventListener("mouseleave", () => { this.hovered = null; tip.hidden = true; });
    this.svg.appendChild(path);
    this.svg.appendChild(hit);
    return { path };
  }

  // layers and units counted from 1, as the bias editor does: "x1 → layer 1, unit 2"
  linkName(layer, source, target) {
    const features = this.state.setup.features;
    const from = layer === 0 ? features[source] : `layer ${layer}, unit ${source + 1}`;
    const last = layer === this.state.setup.layers.length;
    const to = last ? (this.state.sizes[this.state.sizes.length - 1] > 1 ? `output ${target + 1}` : "output") : `layer ${layer + 1}, unit ${target + 1}`;
    return `weight ${from} → ${to}`;
  }

  showWeight() {
    const h = this.hovered;
    if (!h) return;
    const w = this.frame?.weights?.[h.layer]?.[h.source]?.[h.target];
    document.getElementById("weight-tip").textContent = `${h.name}: ${w == null ? "–" : formatNumber(w)} (click to edit)`;
  }

  layerHead(x, l, count, state, catalog, limits) {
    const head = document.createElement("div");
    head.className = "layer-head";
    head.style.left = `${x + this.size / 2 - (this.size === NODE ? 32 : 25)}px`;
    const pm = document.createElement("div");
    pm.className = "plusminus";
    for (const [text, delta] of [["+", 1], ["−", -1]]) {
      const b = document.createElement("button");
      b.className = "round tiny";
      b.textContent = text;
      b.title = delta > 0 ? "add a neuron" : "remove a neuron";
      b.disabled = count + delta < 1 || count + delta > limits.max_neurons;
      b.addEventListener("click", () => this.handlers.resizeLayer(l, delta));
      pm.appendChild(b);
    }
    head.appendChild(pm);
    const label = document.createElement("span");
    label.className = "count";
    label.textContent = `${count} neuron${count === 1 ? "" : "s"}`;
    head.appendChild(label);
    const select = document.createElement("select");
    select.className = "layer-activation";
    select.title = "this layer's activation";
    const own = state.setup.layer_activations[l] || "";
    const options = [["", `(${state.setup.activation.length > 12 ? "global" : state.setup.activation})`], ...catalog.map((a) => [a.name, a.name])];
    if (own && !catalog.some((a) => a.name === own)) options.push([own, own]);
    for (const [value, text] of options) {
      const o = document.createElement("option");
      o.value = value; o.textContent = text;
      select.appendChild(o);
    }
    select.value = own;
    select.addEventListener("change", () => this.handlers.setLayerActivation(l, select.value));
    head.appendChild(select);
    head.appendChild(this.gradientBar());
    this.root.appendChild(head);
    return head;
  }

  outputHead(x, l) {
    const head = document.createElement("div");
    head.className = "layer-head";
    head.style.left = `${x + this.size / 2 - (this.size === NODE ? 32 : 25)}px`;
    head.innerHTML = `<div class="spacer-top"></div><span class="count">output</span><div class="spacer-select"></div>`;
    head.appendChild(this.gradientBar());
    this.root.appendChild(head);
    return head;
  }

  gradientBar() {
    const wrap = document.createElement("div");
    wrap.innerHTML = `<div class="gbar" title="size of the gradient dL/dh reaching this layer"><i></i></div><div class="gtext"></div>`;
    return wrap;
  }

  // Per-frame update: heatmaps, weights, biases, saturation, gradient bars.
  update(frame, discretize) {
    this.frame = frame;
    const heat = frame.heat;
    this.units.forEach((col, l) => col.forEach((node, j) => {
      const bytes = heat.units?.[l]?.[j];
      if (bytes) paintHeatmap(node.canvas, bytes, heat.thumb, { discretize });
      const s = frame.saturation?.[l]?.[j] ?? 0;
      node.saturation = s;
      node.sat.style.opacity = (s * 0.9).toFixed(2);
      node.bias.style.background = colourOf(clampUnit(frame.biases[l][j]));
    }));
    this.outputs.forEach((node, j) => {
      if (this.outputs.length === 1) paintHeatmap(node.canvas, heat.output, heat.size, { discretize, classes: heat.classes ?? null, k: this.state.classes });
      node.bias.style.background = colourOf(clampUnit(frame.biases[frame.biases.length - 1][j]));
    });
    this.links.forEach((rows, l) => rows.forEach((row, i) => row.forEach((link, j) => {
      if (!link) return;
      const w = frame.weights[l][i][j];
      link.path.setAttribute("stroke", colourOf(clampUnit(w)));
      link.path.setAttribute("stroke-width", Math.min(10, 1 + Math.abs(w) * 1.8).toFixed(2));
      link.path.setAttribute("stroke-opacity", "0.85");
    })));
    this.showWeight();
    const grads = frame.grad || [];
    this.heads.forEach((head, l) => {
      const g = grads[l];
      const bar = head.querySelector(".gbar i");
      const text = head.querySelector(".gtext");
      // log scale from 1e-8 to 10
      const t = g ? Math.max(0, Math.min(1, (Math.log10(g) + 8) / 9)) : 0;
      bar.style.width = `${(t * 100).toFixed(1)}%`;
      text.textContent = g ? `∇ ${g.toExponential(1)}` : "∇ –";
    });
  }

  hoverable(el, describe) {
    el.addEventListener("mouseenter", () => {
      const info = describe();
      const card = this.hoverCard;
      const canvas = card.querySelector("canvas");
      if (info.bytes) {
        const bytes = info.bytes;
        paintHeatmap(canvas, bytes, info.size || Math.round(Math.sqrt(bytes.length)), {
          classes: this.frame?.heat?.classes && info.size ? this.frame.heat.classes : null, k: this.state.classes,
        });
        canvas.hidden = false;
      } else {
        canvas.hidden = true;
      }
      card.querySelector(".hover-text").innerHTML = info.text;
      const r = el.getBoundingClientRect();
      card.style.left = `${Math.min(window.innerWidth - 220, r.right + 10)}px`;
      card.style.top = `${Math.max(4, Math.min(window.innerHeight - 250, r.top - 80))}px`;
      card.hidden = false;
    });
    el.addEventListener("mouseleave", () => { this.hoverCard.hidden = true; });
  }
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function clampUnit(v) {
  return Math.max(-1, Math.min(1, v));
}
