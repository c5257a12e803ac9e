/**
 * An SVG chart of latency against load (p50 and p95 per window over the achieved rate), written by hand: a few
 * dozen lines of markup need no charting library.
 */

export interface ChartPoint {
  rps: number;
  p50Ms: number;
  p95Ms: number;
}

const width = 720;
const height = 420;
const margin = { left: 70, right: 20, top: 40, bottom: 50 };

/** A round step giving about `count` ticks up to max. */
function ticks(max: number, count = 5): number[] {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function latencyChart(title: string, points: readonly ChartPoint[]): string {
  const usable = points.filter((p) => Number.isFinite(p.rps) && Number.isFinite(p.p50Ms) && Number.isFinite(p.p95Ms) && p.rps > 0);
  const maxX = Math.max(1, ...usable.map((p) => p.rps)) * 1.05;
  const maxY = Math.max(1, ...usable.map((p) => p.p95Ms)) * 1.05;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const x = (v: number) => (margin.left + (v / maxX) * plotW).toFixed(1);
  const y = (v: number) => (margin.top + plotH - (v / maxY) * plotH).toFixed(1);
  const sorted = [...usable].sort((a, b) => a.rps - b.rps);
  const series = (key: "p50Ms" | "p95Ms", color: string) =>
    [
      `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${sorted.map((p) => `${x(p.rps)},${y(p[key])}`).join(" ")}"/>`,
      ...sorted.map((p) => `<circle cx="${x(p.rps)}" cy="${y(p[key])}" r="2.5" fill="${color}"/>`),
    ].join("\n");
  const xTicks = ticks(maxX).map((v) => `<line x1="${x(v)}" y1="${margin.top + plotH}" x2="${x(v)}" y2="${margin.top + plotH + 5}" stroke="#333"/><text x="${x(v)}" y="${margin.top + plotH + 18}" text-anchor="middle">${v.toLocaleString("en-US")}</text>`);
  const yTicks = ticks(maxY).map((v) => `<line x1="${margin.left}" y1="${y(v)}" x2="${margin.left + plotW}" y2="${y(v)}" stroke="#ddd"/><text x="${margin.left - 8}" y="${y(v)}" text-anchor="end" dominant-baseline="middle">${v.toLocaleString("en-US")}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    ...yTicks,
    ...xTicks,
    `<line x1="${margin.left}" y1="${margin.top + plotH}" x2="${margin.left + plotW}" y2="${margin.top + plotH}" stroke="#333"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotH}" stroke="#333"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">achieved load (successful requests/s per window)</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">latency (ms)</text>`,
    series("p95Ms", "#d62728"),
    series("p50Ms", "#1f77b4"),
    `<rect x="${margin.left + 12}" y="${margin.top + 6}" width="10" height="10" fill="#d62728"/><text x="${margin.left + 28}" y="${margin.top + 15}">p95</text>`,
    `<rect x="${margin.left + 62}" y="${margin.top + 6}" width="10" height="10" fill="#1f77b4"/><text x="${margin.left + 78}" y="${margin.top + 15}">p50</text>`,
    usable.length === 0 ? `<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no successful windows</text>` : "",
    `</svg>`,
  ].join("\n");
}
