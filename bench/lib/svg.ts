// A small hand-written SVG line chart: a few points per series do not
// justify a charting library with a DOM or a rendering engine behind it.

export interface Series {
  name: string;
  points: { x: number; y: number }[];
  color: string;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  series: Series[];
  /** Horizontal reference lines (a baseline's throughput). */
  refs?: { y: number; label: string; color: string }[];
}

const W = 460;
const H = 300;
const M = { left: 70, right: 20, top: 36, bottom: 48 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function fmtNum(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(v >= 1e7 ? 0 : 1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(v * 100) / 100);
}

function panel(p: Panel, ox: number): string {
  const xs = p.series.flatMap((s) => s.points.map((q) => q.x));
  const ys = [...p.series.flatMap((s) => s.points.map((q) => q.y)), ...(p.refs ?? []).map((r) => r.y)];
  if (xs.length === 0) return `<text x="${ox + W / 2}" y="${H / 2}" text-anchor="middle">${esc(p.title)}: no data</text>`;
  const tx = (x: number) => (p.logX ? Math.log10(x) : x);
  let x0 = Math.min(...xs.map(tx));
  let x1 = Math.max(...xs.map(tx));
  if (x0 === x1) {
    x0 -= 1;
    x1 += 1;
  }
  const y1 = niceMax(Math.max(...ys) * 1.05);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) => ox + M.left + ((tx(x) - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => M.top + ph - (y / y1) * ph;
  const out: string[] = [];
  out.push(`<text x="${ox + W / 2}" y="20" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  out.push(`<line x1="${ox + M.left}" y1="${M.top + ph}" x2="${ox + M.left + pw}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${ox + M.left}" y1="${M.top}" x2="${ox + M.left}" y2="${M.top + ph}" stroke="#333"/>`);
  for (let i = 0; i <= 4; i++) {
    const y = (y1 * i) / 4;
    out.push(`<line x1="${ox + M.left}" y1="${sy(y)}" x2="${ox + M.left + pw}" y2="${sy(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${ox + M.left - 6}" y="${sy(y) + 4}" text-anchor="end">${fmtNum(y)}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<text x="${sx(x)}" y="${M.top + ph + 16}" text-anchor="middle">${fmtNum(x)}</text>`);
  }
  out.push(`<text x="${ox + M.left + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  out.push(`<text transform="translate(${ox + 16},${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  for (const r of p.refs ?? []) {
    out.push(`<line x1="${ox + M.left}" y1="${sy(r.y)}" x2="${ox + M.left + pw}" y2="${sy(r.y)}" stroke="${r.color}" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${ox + M.left + pw - 4}" y="${sy(r.y) - 4}" text-anchor="end" fill="${r.color}">${esc(r.label)}</text>`);
  }
  p.series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((q) => `${sx(q.x).toFixed(1)},${sy(q.y).toFixed(1)}`).join(' ')}"/>`);
    for (const q of pts) {
      out.push(`<circle cx="${sx(q.x).toFixed(1)}" cy="${sy(q.y).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
      out.push(`<text x="${sx(q.x).toFixed(1)}" y="${(sy(q.y) - 8).toFixed(1)}" text-anchor="middle" fill="${s.color}">${fmtNum(q.y)}</text>`);
    }
    out.push(`<rect x="${ox + M.left + 8}" y="${M.top + 6 + i * 16}" width="10" height="10" fill="${s.color}"/>`);
    out.push(`<text x="${ox + M.left + 22}" y="${M.top + 15 + i * 16}">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

/** Panels side by side in one SVG document. */
export function lineCharts(panels: Panel[], caption: string): string {
  const width = W * panels.length;
  const height = H + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels.map((p, i) => panel(p, i * W)),
    `<text x="8" y="${height - 6}" fill="#666">${esc(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
