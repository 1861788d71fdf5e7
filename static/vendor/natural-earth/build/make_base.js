// Build the bundled base layer: Natural Earth countries (world-atlas, 1:10m), clipped to the
// British Isles, simplified and rounded. Public domain data.
const fs = require("fs");
const topo = require("topojson-client");
const world = JSON.parse(fs.readFileSync("node_modules/world-atlas/countries-10m.json"));
const fc = topo.feature(world, world.objects.countries);
const W = -11.5, E = 3.5, S = 49.0, N = 61.5;
function clip(ring) {
  // Sutherland-Hodgman against the window's four edges.
  const edges = [
    [p => p[0] >= W, (a, b) => [W, a[1] + (b[1] - a[1]) * (W - a[0]) / (b[0] - a[0])]],
    [p => p[0] <= E, (a, b) => [E, a[1] + (b[1] - a[1]) * (E - a[0]) / (b[0] - a[0])]],
    [p => p[1] >= S, (a, b) => [a[0] + (b[0] - a[0]) * (S - a[1]) / (b[1] - a[1]), S]],
    [p => p[1] <= N, (a, b) => [a[0] + (b[0] - a[0]) * (N - a[1]) / (b[1] - a[1]), N]],
  ];
  let out = ring;
  for (const [inside, cut] of edges) {
    const input = out; out = [];
    if (!input.length) break;
    let prev = input[input.length - 1];
    for (const cur of input) {
      if (inside(cur)) { if (!inside(prev)) out.push(cut(prev, cur)); out.push(cur); }
      else if (inside(prev)) out.push(cut(prev, cur));
      prev = cur;
    }
  }
  return out;
}
function dp(points, tol) {
  if (points.length < 3) return points;
  let max = 0, idx = 0;
  const [a, b] = [points[0], points[points.length - 1]];
  const dx = b[0] - a[0], dy = b[1] - a[1], len = Math.hypot(dx, dy) || 1e-12;
  for (let i = 1; i < points.length - 1; i++) {
    const d = Math.abs(dy * points[i][0] - dx * points[i][1] + b[0] * a[1] - b[1] * a[0]) / len;
    if (d > max) { max = d; idx = i; }
  }
  if (max <= tol) return [a, b];
  return dp(points.slice(0, idx + 1), tol).slice(0, -1).concat(dp(points.slice(idx), tol));
}
const TOL = parseFloat(process.argv[2] || "0.01");
const features = [];
for (const f of fc.features) {
  const polys = f.geometry ? (f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.type === "MultiPolygon" ? f.geometry.coordinates : []) : [];
  const kept = [];
  for (const poly of polys) {
    const rings = [];
    for (const ring of poly) {
      const c = clip(ring);
      if (c.length < 4) continue;
      const mid = Math.floor(c.length / 2);
      const s = dp(c.slice(0, mid + 1), TOL).slice(0, -1).concat(dp(c.slice(mid), TOL)).map(p => [Math.round(p[0] * 1000) / 1000, Math.round(p[1] * 1000) / 1000]);
      if (s.length >= 4) rings.push(s);
    }
    if (rings.length) kept.push(rings);
  }
  if (kept.length) features.push({type: "Feature", properties: {name: f.properties.name}, geometry: {type: "MultiPolygon", coordinates: kept}});
}
process.stdout.write(JSON.stringify({type: "FeatureCollection", features}));
