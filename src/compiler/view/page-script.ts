// The script and style of the HTML view (html.ts), inlined into the page: no file or network access. The drawing
// opens fitted to its pane; the wheel zooms about the pointer, dragging pans, buttons and keys fit and zoom ('/'
// search, 'f' fit, '+' and '-'). Searching by op, value name or kernel name marks the matching nodes and kernels; Enter
// shows the next one. Clicking a kernel pins its highlight and brings its nodes into view.

export const PAGE_STYLE = `
body { margin: 0; font: 12px system-ui, sans-serif; display: flex; height: 100vh; }
#left { flex: 1; display: flex; flex-direction: column; min-width: 0; }
#toolbar { display: flex; gap: 6px; align-items: center; padding: 4px 8px; border-bottom: 1px solid #ccc; background: #f6f6f6; }
#toolbar input { width: 22em; }
#status { color: #555; white-space: nowrap; }
#zoom { margin-left: auto; color: #555; font-variant-numeric: tabular-nums; }
#graph { flex: 1; overflow: hidden; background: #fcfcfc; cursor: grab; touch-action: none; }
#graph.dragging { cursor: grabbing; }
#drawing { display: block; width: 100%; height: 100%; }
#kernels { flex: 0 0 auto; max-width: 40%; overflow: auto; border-left: 1px solid #ccc; padding: 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 2px 4px; border-bottom: 1px solid #eee; white-space: nowrap; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr[data-kernel] { cursor: pointer; }
tr.match { background: #dcebff; }
tr.hl { background: #ffe9a8; }
.swatch { display: inline-block; width: 1em; height: 1em; border: 1px solid #888; vertical-align: middle; }
.region rect { fill: #f0f0f4; fill-opacity: 0.5; stroke: #999; stroke-dasharray: 4 3; }
.region text { fill: #666; font-size: 10px; }
.node { cursor: pointer; }
.node rect { stroke: #555; }
.node text { font: 10px ui-monospace, monospace; text-anchor: middle; pointer-events: none; }
.node.io rect { fill: #e8e8e8; }
.edge { fill: none; stroke: #777; }
.edge.stored { stroke-width: 2; stroke: #444; }
.focus .node:not(.hl), .focus .edge, .searching .node:not(.match), .searching .edge { opacity: 0.2; }
.node.hl rect { stroke: #000; stroke-width: 2; }
.node.match rect { stroke: #1463d6; stroke-width: 3; }
.node.current rect { stroke: #d61a1a; stroke-width: 4; }
`;

export const PAGE_SCRIPT = `
const pane = document.getElementById('graph');
const svg = document.getElementById('drawing');
const search = document.getElementById('search');
const status = document.getElementById('status');
const zoomLabel = document.getElementById('zoom');
const nodes = [...document.querySelectorAll('.node')];
const rows = [...document.querySelectorAll('tr[data-kernel]')];
const kernelsOf = (n) => n.dataset.kernels ? n.dataset.kernels.split(' ') : [];
const full = { x: 0, y: 0, w: Number(svg.dataset.width), h: Number(svg.dataset.height) };
// The most a focused kernel or match is magnified, so that what is around it stays in view.
const FOCUS_SCALE = 1.5;
let view = { ...full };
// Pixels per unit of the drawing.
let scale = 1;

// The view box, widened around its centre to the pane's shape so that a unit is as long on both axes.
const setView = (v) => {
  const r = pane.getBoundingClientRect();
  const aspect = r.width / Math.max(1, r.height);
  let { x, y, w, h } = v;
  if (w / h < aspect) { x -= (h * aspect - w) / 2; w = h * aspect; } else { y -= (w / aspect - h) / 2; h = w / aspect; }
  view = { x, y, w, h };
  scale = r.width / w;
  svg.setAttribute('viewBox', [x, y, w, h].map((c) => c.toFixed(1)).join(' '));
  zoomLabel.textContent = Math.round(100 * scale) + '%';
};
const fit = () => setView(full);
const pointAt = (e) => {
  const r = pane.getBoundingClientRect();
  return { x: view.x + (e.clientX - r.left) / scale, y: view.y + (e.clientY - r.top) / scale };
};
const zoom = (factor, at = { x: view.x + view.w / 2, y: view.y + view.h / 2 }) => {
  const w = Math.min(Math.max(view.w / factor, pane.clientWidth / 8), 4 * Math.max(full.w, full.h));
  const f = w / view.w;
  setView({ x: at.x - (at.x - view.x) * f, y: at.y - (at.y - view.y) * f, w, h: view.h * f });
};
const boxOf = (members) => {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const n of members) {
    const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((a) => Number(n.querySelector('rect').getAttribute(a)));
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + w); y1 = Math.max(y1, y + h);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
};
// Shows a box whole with a margin, magnified at most FOCUS_SCALE.
const focusOn = (members) => {
  if (!members.length) return;
  const b = boxOf(members);
  const w = Math.max(b.w + 80, pane.clientWidth / FOCUS_SCALE), h = Math.max(b.h + 80, pane.clientHeight / FOCUS_SCALE);
  setView({ x: b.x + b.w / 2 - w / 2, y: b.y + b.h / 2 - h / 2, w, h });
};

let pinned = null;
const show = (k) => {
  document.body.classList.toggle('focus', k !== null);
  for (const n of nodes) n.classList.toggle('hl', k !== null && kernelsOf(n).includes(k));
  for (const r of rows) r.classList.toggle('hl', r.dataset.kernel === k);
};
const pin = (k) => { pinned = pinned === k ? null : k; show(pinned); };
for (const r of rows) {
  r.addEventListener('mouseenter', () => show(r.dataset.kernel));
  r.addEventListener('mouseleave', () => show(pinned));
  r.addEventListener('click', () => {
    pin(r.dataset.kernel);
    if (pinned !== null) focusOn(nodes.filter((n) => kernelsOf(n).includes(pinned)));
  });
}

let drag = null;
pane.addEventListener('pointerdown', (e) => { drag = { x: e.clientX, y: e.clientY, from: { ...view }, moved: false }; });
pane.addEventListener('pointermove', (e) => {
  if (drag === null) return;
  const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
  if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
  drag.moved = true;
  pane.classList.add('dragging');
  setView({ ...drag.from, x: drag.from.x - dx / scale, y: drag.from.y - dy / scale });
});
const endDrag = () => { pane.classList.remove('dragging'); setTimeout(() => { drag = null; }); };
pane.addEventListener('pointerup', endDrag);
pane.addEventListener('pointerleave', endDrag);
pane.addEventListener('wheel', (e) => { e.preventDefault(); zoom(Math.exp(-e.deltaY / 500), pointAt(e)); }, { passive: false });
for (const n of nodes) n.addEventListener('click', () => { if (!drag || !drag.moved) { const k = kernelsOf(n); if (k.length) pin(k[0]); } });

let matches = [], current = -1;
const mark = () => {
  const q = search.value.trim().toLowerCase();
  // A pinned kernel would dim the matches.
  if (q && pinned !== null) pin(pinned);
  const kernels = new Set(q ? rows.filter((r) => r.dataset.name.toLowerCase().includes(q)).map((r) => r.dataset.kernel) : []);
  matches = q ? nodes.filter((n) => n.dataset.label.toLowerCase().includes(q) || kernelsOf(n).some((k) => kernels.has(k))) : [];
  const matched = new Set(matches);
  for (const n of nodes) n.classList.toggle('match', matched.has(n));
  for (const n of nodes) n.classList.remove('current');
  for (const r of rows) r.classList.toggle('match', kernels.has(r.dataset.kernel));
  document.body.classList.toggle('searching', q !== '');
  current = -1;
  status.textContent = q ? matches.length + ' nodes, ' + kernels.size + ' kernels' + (matches.length ? ' (Enter: next)' : '') : '';
};
const step = (by) => {
  if (!matches.length) return;
  if (current >= 0) matches[current].classList.remove('current');
  current = (current + by + matches.length) % matches.length;
  matches[current].classList.add('current');
  focusOn([matches[current]]);
  status.textContent = (current + 1) + ' of ' + matches.length + ' nodes';
};
search.addEventListener('input', mark);
search.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') step(e.shiftKey ? -1 : 1);
  if (e.key === 'Escape') { search.value = ''; mark(); search.blur(); }
});
document.getElementById('fit').addEventListener('click', fit);
document.getElementById('zoom-in').addEventListener('click', () => zoom(1.25));
document.getElementById('zoom-out').addEventListener('click', () => zoom(0.8));
document.addEventListener('keydown', (e) => {
  if (e.target === search || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '/') { e.preventDefault(); search.focus(); }
  else if (e.key === 'f') fit();
  else if (e.key === '+' || e.key === '=') zoom(1.25);
  else if (e.key === '-') zoom(0.8);
});
// A resized pane keeps the centre and the magnification.
window.addEventListener('resize', () => {
  const [cx, cy, w, h] = [view.x + view.w / 2, view.y + view.h / 2, pane.clientWidth / scale, pane.clientHeight / scale];
  setView({ x: cx - w / 2, y: cy - h / 2, w, h });
});
fit();
`;
