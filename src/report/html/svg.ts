import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** Look shared by every chart: the page's font, no border around the plot, quiet grid lines. */
const CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  view: { stroke: null },
  axis: { gridColor: "#e6e6e6", labelColor: "#333", titleColor: "#333", titleFontWeight: 500 },
  legend: { labelLimit: 260, orient: "right" },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 13, anchor: "start" },
} as const;

/** A Vega-Lite channel or layer, as the charts write them (checked by Vega-Lite when compiled). */
type Part = Record<string, unknown>;

/**
 * Small multiples: the same layers drawn once per value of `field`, `columns` panels to a row,
 * each panel with its own scales on the axes named in `independent`.
 */
export function panels(
  values: readonly object[],
  field: string,
  layer: readonly Part[],
  o: { columns?: number; width?: number; height?: number; sort?: readonly string[]; independent?: readonly ("x" | "y")[] } = {},
): TopLevelSpec {
  const { columns = 3, width = 320, height = 220, sort, independent = [] } = o;
  return {
    data: { values },
    facet: { field, type: "nominal", title: null, ...(sort ? { sort } : {}) },
    columns,
    spec: { width, height, layer },
    ...(independent.length > 0 ? { resolve: { scale: Object.fromEntries(independent.map((axis) => [axis, "independent"])) } } : {}),
  } as unknown as TopLevelSpec;
}

/** Each point's 95% interval as a vertical bar from its `lo` to its `hi`. */
export const intervalBars = (x: Part, y: Part, color: Part): Part => ({
  mark: { type: "rule", strokeWidth: 2, opacity: 0.6 },
  encoding: { x, y: { ...y, field: "lo" }, y2: { field: "hi" }, color },
});

/**
 * A Vega-Lite spec compiled to Vega and rendered headless by Vega's SVG renderer (no canvas, no
 * DOM): static SVG, with the data inline. Nothing is loaded: a spec with a data URL is refused.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // A pure renderer prints nothing: Vega-Lite's warnings (a dropped scale option) are not the reader's concern.
  const logger = vega.logger(vega.None);
  const vgSpec = compile({ ...spec, config: { ...CONFIG, ...spec.config } }, { logger }).spec;
  const loader = vega.loader();
  loader.load = (uri: string) => Promise.reject(new Error(`a chart may not load ${uri}: its data are inline`));
  const view = new vega.View(vega.parse(vgSpec), { renderer: "none", loader, logLevel: vega.None });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
