// A small hand-drawn SVG chart: daily net sales as bars, payouts as thinner bars beside them.
import type { DayFigures } from "../bindings/DayFigures";
import { svg } from "../dom";
import { formatDate, formatMoney } from "../format";
import { lang, t } from "../i18n";

export interface ChartBar {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Bar geometry for a value on a zero-based scale; negative values hang below the zero line. */
export function barFor(value: number, max: number, zeroY: number, plotHeight: number, x: number, width: number): ChartBar {
  const h = max > 0 ? (Math.abs(value) / max) * plotHeight : 0;
  return value >= 0 ? { x, y: zeroY - h, width, height: h } : { x, y: zeroY, width, height: h };
}

export function monthChart(days: DayFigures[], currency: string): SVGElement {
  const W = 1100;
  const H = 180;
  const pad = 4;
  const max = Math.max(1, ...days.map((d) => Math.abs(d.netSales)), ...days.map((d) => Math.abs(d.payout)));
  const hasNegative = days.some((d) => d.netSales < 0);
  // Room above the bars for the scale label, below them for the day numbers.
  const top = 20;
  const plot = hasNegative ? (H - 24 - top) * 0.75 : H - 24 - top;
  const zeroY = top + plot;
  const slot = (W - 2 * pad) / Math.max(1, days.length);
  const bars = days.flatMap((d, i) => {
    const x = pad + i * slot;
    const net = barFor(d.netSales, max, zeroY, plot, x + slot * 0.12, slot * 0.48);
    const pay = barFor(d.payout, max, zeroY, plot, x + slot * 0.62, slot * 0.26);
    const label = `${formatDate(d.date, lang())}: ${t("month.chart.net")} ${formatMoney(d.netSales, currency, lang())}`;
    const out = [svg("rect", { class: "bar-net", ...geom(net) }, svg("title", {}, label))];
    if (d.payout !== 0) {
      out.push(
        svg(
          "rect",
          { class: "bar-payout", ...geom(pay) },
          svg("title", {}, `${formatDate(d.date, lang())}: ${t("month.chart.payout")} ${formatMoney(d.payout, currency, lang())}`),
        ),
      );
    }
    return out;
  });
  const dayLabels = days
    .map((d, i) => ({ d, i }))
    .filter(({ i }) => i === 0 || (i + 1) % 7 === 0)
    .map(({ d, i }) => svg("text", { x: pad + i * slot + slot / 2, y: H - 6, class: "axis", "text-anchor": "middle" }, String(Number(d.date.slice(8)))));
  return svg(
    "svg",
    {
      viewBox: `0 0 ${W} ${H}`,
      class: "chart",
      role: "img",
      "aria-label": t("month.chart"),
      "data-testid": "month-chart",
    },
    svg("line", { x1: pad, x2: W - pad, y1: zeroY, y2: zeroY, class: "zero" }),
    // The scale: the tallest bar's value, at the top.
    days.some((d) => d.netSales !== 0 || d.payout !== 0)
      ? svg("text", { x: pad, y: 13, class: "axis", "text-anchor": "start" }, formatMoney(max, currency, lang()))
      : null,
    ...bars,
    ...dayLabels,
  );
}

function geom(b: ChartBar): Record<string, number> {
  return { x: round(b.x), y: round(b.y), width: round(b.width), height: round(Math.max(b.height, 0)) };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
