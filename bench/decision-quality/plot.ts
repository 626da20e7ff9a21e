// A hand-written SVG: kept-promise rate and cost per promise, per router, per time window. No dependencies.
import type { RunResult, Tally } from './simulate.js';

const COLORS: Record<string, string> = { pledge: '#1f77b4', cheapest: '#d62728', fastest: '#ff7f0e', oracle: '#2ca02c' };

type Panel = { title: string; value: (t: Tally) => number | null; format: (v: number) => string };

export function renderPlot(results: RunResult[], windowDays: number): string {
  const W = 860;
  const H = 300;
  const panels: Panel[] = [
    { title: 'Kept-promise rate per week', value: (t) => (t.promised ? t.kept / t.promised : null), format: (v) => `${(100 * v).toFixed(1)}%` },
    { title: 'Total cost per promise per week (landed + compensation, USD)', value: (t) => (t.promised ? (t.landedCostMinor + t.compensationMinor) / t.promised / 100 : null), format: (v) => `$${v.toFixed(2)}` },
  ];
  const parts: string[] = [];
  panels.forEach((panel, i) => parts.push(renderPanel(results, panel, 0, i * (H + 20), W, H, windowDays)));
  const legend = results
    .map((r, i) => `<rect x="${80 + i * 150}" y="${2 * (H + 20) + 4}" width="14" height="4" fill="${COLORS[r.router] ?? '#555'}"/><text x="${100 + i * 150}" y="${2 * (H + 20) + 10}" font-size="12">${r.router}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${2 * (H + 20) + 24}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n${legend}\n</svg>\n`;
}

function renderPanel(results: RunResult[], panel: Panel, x0: number, y0: number, w: number, h: number, windowDays: number): string {
  const left = 70;
  const top = 24;
  const right = 20;
  const bottom = 30;
  const series = results.map((r) => ({ name: r.router, points: r.windows.map((t) => panel.value(t)) }));
  const all = series.flatMap((s) => s.points.filter((v): v is number => v !== null));
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  const pad = (hi - lo) * 0.05 || 0.01;
  lo -= pad;
  hi += pad;
  const n = Math.max(...series.map((s) => s.points.length));
  const px = (i: number) => x0 + left + ((w - left - right) * i) / Math.max(1, n - 1);
  const py = (v: number) => y0 + top + (h - top - bottom) * (1 - (v - lo) / (hi - lo));
  const out = [`<text x="${x0 + left}" y="${y0 + 16}" font-size="14" font-weight="bold">${panel.title}</text>`];
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    out.push(`<line x1="${x0 + left}" x2="${x0 + w - right}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + left - 6}" y="${(py(v) + 4).toFixed(1)}" font-size="11" text-anchor="end">${panel.format(v)}</text>`);
  }
  for (let i = 0; i < n; i++) out.push(`<text x="${px(i).toFixed(1)}" y="${y0 + h - 12}" font-size="11" text-anchor="middle">w${i + 1}</text>`);
  out.push(`<text x="${x0 + w - right}" y="${y0 + h}" font-size="10" text-anchor="end">${windowDays}-day windows</text>`);
  for (const s of series) {
    const d = s.points.map((v, i) => (v === null ? '' : `${px(i).toFixed(1)},${py(v).toFixed(1)}`)).filter(Boolean).join(' ');
    out.push(`<polyline fill="none" stroke="${COLORS[s.name] ?? '#555'}" stroke-width="2" points="${d}"/>`);
  }
  return out.join('\n');
}
