/**
 * Small charts as inline SVG strings, with no library: the counselor dashboard draws two (the
 * weekly average check-in score as a line, the weekly check-in response rate as bars) and needs
 * nothing a few lines of geometry cannot give.
 *
 * Why inline SVG: it renders on any phone without a script, scales with the page (viewBox), and
 * lives inside the page's strict CSP. That is also why it uses presentation attributes (fill,
 * stroke) and never a `style` attribute: the CSP allows only our one hashed stylesheet.
 *
 * Accessibility: each chart is `role="img"` labelled by its <title> and <desc>; the desc states
 * the numbers in words, and every point or bar carries its value as visible text, so nothing is
 * said by colour or position alone. Pure: strings in, a string out.
 */

import { escapeHtml as esc } from './html';

export interface ChartPoint {
  /** The x label, e.g. a week's Monday `2027-01-18`. */
  label: string;
  /** Null when there is nothing to show for that x (a gap, never a zero). */
  value: number | null;
}

interface ChartText {
  /** Unique on the page: the title and desc ids derive from it. */
  id: string;
  title: string;
  /** A sentence or two saying what the chart shows; the numbers follow automatically. */
  description: string;
}

// A narrow view box, so that on a phone (about 330 px for the chart) the 14-unit labels still
// render at about 10 px, and on a laptop at about 14 px.
const WIDTH = 480;
const HEIGHT = 220;
const PAD = { top: 24, right: 12, bottom: 40, left: 50 };
const INK = '#1f2933';
const MUTED = '#52606d';
const GRID = '#cbd2d9';
const ACCENT = '#0b5394';

const safeId = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '-');
const fmt = (n: number) => String(Math.round(n * 100) / 100);
/** `2027-01-18` -> `Jan 18`: short enough for a phone's x axis. */
export function shortDate(label: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(label);
  if (!m) return label;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(m[2]) - 1];
  return month ? `${month} ${Number(m[3])}` : label;
}

function frame(text: ChartText, summary: string, inner: string): string {
  const id = safeId(text.id);
  return `<svg class="chart" id="${id}" role="img" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${id}-title">${esc(text.title)}</title><desc id="${id}-desc">${esc(`${text.description} ${summary}`.trim())}</desc>${inner}</svg>`;
}

/** x positions of n evenly spaced slots across the plot area (slot centres). */
function slots(n: number): number[] {
  const plot = WIDTH - PAD.left - PAD.right;
  const step = plot / Math.max(n, 1);
  return Array.from({ length: n }, (_, i) => PAD.left + step * (i + 0.5));
}
const plotBottom = HEIGHT - PAD.bottom;
const plotHeight = HEIGHT - PAD.top - PAD.bottom;
const yOf = (value: number, min: number, max: number) => plotBottom - ((value - min) / (max - min || 1)) * plotHeight;

function axes(ticks: { value: number; label: string }[], min: number, max: number, points: readonly ChartPoint[], xs: number[]): string {
  const grid = ticks
    .map((t) => {
      const y = yOf(t.value, min, max).toFixed(1);
      return `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}" stroke="${GRID}" stroke-width="1"/><text x="${PAD.left - 6}" y="${y}" dy="4" text-anchor="end" font-size="14" fill="${MUTED}">${esc(t.label)}</text>`;
    })
    .join('');
  // Every label would collide: label at most about six of them, counted back from the latest so
  // that it always has one and they stay evenly spaced.
  const every = Math.max(1, Math.ceil(points.length / 6));
  const labels = points
    .map((p, i) => ((points.length - 1 - i) % every === 0 ? `<text x="${xs[i]!.toFixed(1)}" y="${HEIGHT - PAD.bottom + 18}" text-anchor="middle" font-size="14" fill="${MUTED}">${esc(shortDate(p.label))}</text>` : ''))
    .join('');
  return `<g aria-hidden="true">${grid}${labels}</g>`;
}

const words = (points: readonly ChartPoint[], show: (v: number) => string) => {
  const shown = points.filter((p) => p.value !== null);
  if (shown.length === 0) return 'No data yet.';
  return shown.map((p) => `${shortDate(p.label)}: ${show(p.value!)}`).join('; ') + '.';
};

/**
 * A line through the points on a fixed scale [min, max] (1 to 5 for check-in scores). A null
 * value breaks the line, so a silent week never reads as a low one; each point shows its value.
 */
export function lineChart(args: ChartText & { points: readonly ChartPoint[]; min: number; max: number }): string {
  const { points, min, max } = args;
  const xs = slots(points.length);
  const ticks = Array.from({ length: Math.floor(max - min) + 1 }, (_, i) => ({ value: min + i, label: String(min + i) }));
  const segments: string[][] = [];
  let current: string[] = [];
  points.forEach((p, i) => {
    if (p.value === null) {
      if (current.length) segments.push(current);
      current = [];
      return;
    }
    current.push(`${xs[i]!.toFixed(1)},${yOf(clamp(p.value, min, max), min, max).toFixed(1)}`);
  });
  if (current.length) segments.push(current);
  const lines = segments
    .filter((s) => s.length > 1)
    .map((s) => `<polyline points="${s.join(' ')}" fill="none" stroke="${ACCENT}" stroke-width="3" stroke-linejoin="round" stroke-linecap="round"/>`)
    .join('');
  const dots = points
    .map((p, i) => {
      if (p.value === null) return '';
      const x = xs[i]!.toFixed(1);
      const y = yOf(clamp(p.value, min, max), min, max);
      return `<circle cx="${x}" cy="${y.toFixed(1)}" r="5" fill="${ACCENT}"/><text x="${x}" y="${(y - 10).toFixed(1)}" text-anchor="middle" font-size="14" font-weight="700" fill="${INK}">${fmt(p.value)}</text>`;
    })
    .join('');
  return frame(args, words(points, fmt), `${axes(ticks, min, max, points, xs)}<g class="series">${lines}${dots}</g>`);
}

/**
 * Bars for shares between 0 and 1; a null value draws no bar, only a dash. Each bar carries its
 * percentage as a bare number (the axis says percent): "100%" is wider than a bar on a phone.
 */
export function barChart(args: ChartText & { points: readonly ChartPoint[] }): string {
  const { points } = args;
  const xs = slots(points.length);
  const width = ((WIDTH - PAD.left - PAD.right) / Math.max(points.length, 1)) * 0.6;
  const percent = (v: number) => `${Math.round(clamp(v, 0, 1) * 100)}%`;
  const ticks = [0, 0.5, 1].map((value) => ({ value, label: percent(value) }));
  const bars = points
    .map((p, i) => {
      const x = xs[i]!;
      if (p.value === null) return `<text x="${x.toFixed(1)}" y="${plotBottom - 6}" text-anchor="middle" font-size="11" fill="${MUTED}">–</text>`;
      const y = yOf(clamp(p.value, 0, 1), 0, 1);
      // A 0 % week still shows a sliver, so "none answered" differs from "none sent".
      const height = Math.max(plotBottom - y, 2);
      return `<rect x="${(x - width / 2).toFixed(1)}" y="${(plotBottom - height).toFixed(1)}" width="${width.toFixed(1)}" height="${height.toFixed(1)}" rx="3" fill="${ACCENT}"/><text x="${x.toFixed(1)}" y="${(plotBottom - height - 6).toFixed(1)}" text-anchor="middle" font-size="13" font-weight="700" fill="${INK}">${Math.round(clamp(p.value, 0, 1) * 100)}</text>`;
    })
    .join('');
  return frame(args, words(points, percent), `${axes(ticks, 0, 1, points, xs)}<g class="series">${bars}</g>`);
}

const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));
