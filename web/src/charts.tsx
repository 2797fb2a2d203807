// Inline SVG charts, no external tiles or fonts: a sensor over time with the agreed bounds, and a route
// drawn from GPS points on a plain projected grid.

export interface SeriesPoint {
  readonly t: number;
  readonly v: number;
  readonly bad: boolean;
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

const timeFmt = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function SensorChart({
  field,
  unit,
  points,
  bounds,
  width = 560,
  height = 220,
}: {
  field: string;
  unit: string;
  points: readonly SeriesPoint[];
  bounds: { min: number; max: number } | undefined;
  width?: number;
  height?: number;
}) {
  const pad = { l: 48, r: 14, t: 12, b: 26 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  if (points.length === 0)
    return (
      <svg
        className="chart"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${field}: no readings yet`}
      >
        <text x={width / 2} y={height / 2} textAnchor="middle" className="chart-empty">
          No {field} readings yet
        </text>
      </svg>
    );
  const values = points.map((p) => p.v);
  let lo = Math.min(...values, ...(bounds ? [bounds.min] : []));
  let hi = Math.max(...values, ...(bounds ? [bounds.max] : []));
  const margin = (hi - lo || Math.abs(hi) || 1) * 0.08;
  lo -= margin;
  hi += margin;
  const t0 = points[0]?.t ?? 0;
  const t1 = points[points.length - 1]?.t ?? t0;
  const span = t1 - t0 || 1;
  const x = (t: number) => pad.l + ((t - t0) / span) * w;
  const y = (v: number) => pad.t + (1 - (v - lo) / (hi - lo)) * h;
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`)
    .join(' ');
  const yTicks = niceTicks(lo, hi, 4);
  const xTicks = points.length > 1 ? [t0, t0 + span / 2, t1] : [t0];
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`${field} over time, ${points.length} readings`}
      data-field={field}
      data-points={points.length}
    >
      {bounds ? (
        <rect
          className="chart-band"
          x={pad.l}
          y={y(bounds.max)}
          width={w}
          height={Math.max(0, y(bounds.min) - y(bounds.max))}
        />
      ) : null}
      {yTicks.map((v) => (
        <g key={v}>
          <line className="chart-grid" x1={pad.l} x2={pad.l + w} y1={y(v)} y2={y(v)} />
          <text className="chart-label" x={pad.l - 6} y={y(v) + 4} textAnchor="end">
            {v}
          </text>
        </g>
      ))}
      {xTicks.map((t, i) => (
        <text
          key={i}
          className="chart-label"
          x={x(t)}
          y={height - 6}
          textAnchor={i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'}
        >
          {timeFmt.format(new Date(t))}
        </text>
      ))}
      {bounds ? (
        <>
          <line className="chart-bound" x1={pad.l} x2={pad.l + w} y1={y(bounds.max)} y2={y(bounds.max)} />
          <line className="chart-bound" x1={pad.l} x2={pad.l + w} y1={y(bounds.min)} y2={y(bounds.min)} />
          <text className="chart-bound-label" x={pad.l + w - 4} y={y(bounds.max) - 4} textAnchor="end">
            max {bounds.max}
            {unit}
          </text>
          <text className="chart-bound-label" x={pad.l + w - 4} y={y(bounds.min) + 12} textAnchor="end">
            min {bounds.min}
            {unit}
          </text>
        </>
      ) : null}
      <path className="chart-line" d={path} />
      {points.map((p, i) =>
        p.bad ? <circle key={i} className="chart-bad" cx={x(p.t)} cy={y(p.v)} r={3.5} /> : null,
      )}
      {points.length <= 60
        ? points.map((p, i) =>
            p.bad ? null : <circle key={`d${i}`} className="chart-dot" cx={x(p.t)} cy={y(p.v)} r={1.8} />,
          )
        : null}
    </svg>
  );
}

export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
  readonly bad?: boolean;
}

export function RouteMap({
  points,
  origin,
  destination,
  width = 560,
  height = 300,
}: {
  points: readonly GeoPoint[];
  origin: string;
  destination: string;
  width?: number;
  height?: number;
}) {
  const pad = 28;
  if (points.length === 0)
    return (
      <svg className="map" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="route: no positions yet">
        <text x={width / 2} y={height / 2} textAnchor="middle" className="chart-empty">
          No GPS positions yet ({origin} → {destination})
        </text>
      </svg>
    );
  const lats = points.map((p) => p.lat);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const k = Math.cos((midLat * Math.PI) / 180);
  // Equirectangular projection, x scaled by cos(latitude) so distances look right at this latitude.
  const px = (p: GeoPoint) => p.lon * k;
  const py = (p: GeoPoint) => p.lat;
  const minX = Math.min(...points.map(px));
  const maxX = Math.max(...points.map(px));
  const minY = Math.min(...points.map(py));
  const maxY = Math.max(...points.map(py));
  const spanX = maxX - minX || 0.01;
  const spanY = maxY - minY || 0.01;
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const ox = (width - spanX * scale) / 2;
  const oy = (height - spanY * scale) / 2;
  const sx = (p: GeoPoint) => ox + (px(p) - minX) * scale;
  const sy = (p: GeoPoint) => height - (oy + (py(p) - minY) * scale);
  const first = points[0] as GeoPoint;
  const last = points[points.length - 1] as GeoPoint;
  // Grid lines over the whole visible area, about one per 110 px.
  const visLat = [minY - oy / scale, minY + (height - oy) / scale] as const;
  const visLon = [(minX - ox / scale) / k, (minX + (width - ox) / scale) / k] as const;
  const grid = niceTicks(visLat[0], visLat[1], Math.max(2, Math.round(height / 110)));
  const gridX = niceTicks(visLon[0], visLon[1], Math.max(2, Math.round(width / 110)));
  const decimals = (ticks: number[]) => {
    const step = ticks.length > 1 ? Math.abs((ticks[1] ?? 0) - (ticks[0] ?? 0)) : 1;
    return Math.min(4, Math.max(0, -Math.floor(Math.log10(step))));
  };
  return (
    <svg
      className="map"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`route with ${points.length} positions`}
      data-points={points.length}
    >
      <rect className="map-bg" x={0} y={0} width={width} height={height} />
      {grid.map((lat) => {
        const yy = sy({ lat, lon: 0 });
        return yy > 12 && yy < height - 18 ? (
          <g key={`lat${lat}`}>
            <line className="map-grid" x1={0} x2={width} y1={yy} y2={yy} />
            <text className="map-label" x={4} y={yy - 3}>
              {lat.toFixed(decimals(grid))}°N
            </text>
          </g>
        ) : null;
      })}
      {gridX.map((lon) => {
        const xx = sx({ lat: midLat, lon });
        return xx > 56 && xx < width - 40 ? (
          <g key={`lon${lon}`}>
            <line className="map-grid" x1={xx} x2={xx} y1={0} y2={height} />
            <text className="map-label" x={xx + 3} y={height - 4}>
              {lon.toFixed(decimals(gridX))}°E
            </text>
          </g>
        ) : null;
      })}
      <polyline
        className="map-route"
        points={points.map((p) => `${sx(p).toFixed(1)},${sy(p).toFixed(1)}`).join(' ')}
      />
      {points.map((p, i) =>
        p.bad ? <circle key={i} className="chart-bad" cx={sx(p)} cy={sy(p)} r={4} /> : null,
      )}
      <circle className="map-start" cx={sx(first)} cy={sy(first)} r={6} />
      <text className="map-place" x={sx(first) + 9} y={sy(first) + 4}>
        {origin}
      </text>
      <circle className="map-end" cx={sx(last)} cy={sy(last)} r={6} />
      <text className="map-place" x={sx(last) + 9} y={sy(last) + 4}>
        now
      </text>
    </svg>
  );
}
