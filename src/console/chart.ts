/**
 * A small horizontal bar chart as inline SVG, drawn on the server (the CSP allows no script to draw
 * one). Presentation attributes only, no `style`: colours come from classes in console.css. The
 * geometry is a pure function so it is tested without a browser; the picture is `role="img"` with
 * its numbers in the title, and the page puts the same numbers in a table beside it.
 */
import { html, type Html } from './html.js';

export interface Bar {
  label: string;
  value: number;
  /** A class from console.css (`bar-p50`, `bar-p95`). */
  tone: string;
}

export interface PlacedBar extends Bar {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const CHART = { width: 640, labelWidth: 200, valueWidth: 90, barHeight: 22, gap: 8 } as const;

/** Where each bar goes: widths proportional to the largest value (all zero: every bar is empty). */
export function layoutBars(bars: readonly Bar[]): { width: number; height: number; bars: PlacedBar[] } {
  const span = CHART.width - CHART.labelWidth - CHART.valueWidth;
  const max = Math.max(0, ...bars.map((b) => b.value));
  const placed = bars.map((b, i) => ({
    ...b,
    x: CHART.labelWidth,
    y: CHART.gap + i * (CHART.barHeight + CHART.gap),
    width: max > 0 ? Math.round((Math.max(0, b.value) / max) * span * 10) / 10 : 0,
    height: CHART.barHeight,
  }));
  return {
    width: CHART.width,
    height: CHART.gap + bars.length * (CHART.barHeight + CHART.gap),
    bars: placed,
  };
}

/** Seconds for people: 0.4 s, 12 s, 3.5 min. */
export function seconds(v: number): string {
  if (v < 10) return `${(Math.round(v * 10) / 10).toFixed(1)} s`;
  if (v < 120) return `${Math.round(v)} s`;
  return `${(Math.round((v / 60) * 10) / 10).toFixed(1)} min`;
}

export function barChart(id: string, title: string, bars: readonly Bar[]): Html {
  const g = layoutBars(bars);
  const summary = `${title}: ${bars.map((b) => `${b.label} ${seconds(b.value)}`).join(', ')}`;
  return html`<svg
    class="chart"
    role="img"
    aria-labelledby="${id}-title"
    viewBox="0 0 ${g.width} ${g.height}"
    width="${g.width}"
    height="${g.height}"
    data-chart="${id}"
  >
    <title id="${id}-title">${summary}</title>
    ${g.bars.map(
      (b) =>
        html`<g data-bar="${b.label}" data-value="${b.value}">
          <text
            x="${b.x - 8}"
            y="${b.y + b.height / 2}"
            text-anchor="end"
            dominant-baseline="middle"
            class="chart-label"
            >${b.label}</text
          >
          <rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" class="${b.tone}" />
          <text
            x="${b.x + b.width + 6}"
            y="${b.y + b.height / 2}"
            dominant-baseline="middle"
            class="chart-value"
            >${seconds(b.value)}</text
          >
        </g>`,
    )}
  </svg>`;
}
