import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, call } from '../api/client';
import { ErrorNotice, Loading } from '../components/ui';
import { formatDateTime, formatDuration, formatNumber } from '../format';
import { useResource } from '../hooks';

// Sends, receipts and replies over time, from GET /api/blasts/{id}/timeline (buckets counted from the
// ledger), drawn with uPlot. Reloaded whenever `refreshKey` changes.

type Timeline = Awaited<ReturnType<typeof loadTimeline>>;
type Kind = 'sent' | 'failed' | 'delivered' | 'read' | 'replied';

const SERIES: readonly { kind: Kind; label: string; color: string; dash?: number[] }[] = [
  { kind: 'sent', label: 'Sent', color: '#0f7b6c' },
  { kind: 'delivered', label: 'Delivered', color: '#1c5fb8', dash: [8, 4] },
  { kind: 'read', label: 'Read', color: '#7a3ec8', dash: [2, 3] },
  { kind: 'failed', label: 'Failed', color: '#b42318' },
  { kind: 'replied', label: 'Replied', color: '#b26b00', dash: [10, 3, 2, 3] },
];

function loadTimeline(blastId: string) {
  return call(api.GET('/api/blasts/{id}/timeline', { params: { path: { id: blastId } } }));
}

function seriesData(timeline: Timeline, cumulative: boolean): uPlot.AlignedData {
  const xs = timeline.points.map((point) => Date.parse(point.at) / 1_000);
  const columns = SERIES.map(({ kind }) => {
    let sum = 0;
    return timeline.points.map((point) => (cumulative ? (sum += point[kind]) : point[kind]));
  });
  return [xs, ...columns];
}

function chartHeight(width: number): number {
  return width < 520 ? 220 : 280;
}

/**
 * The time axis spans the timeline's own range (from the blast's start to the last bucket's end),
 * never uPlot's automatic one: with a single point that would stretch over years.
 */
function timeRange(domain: readonly [number, number], min: number | null, max: number | null): uPlot.Range.MinMax {
  const [from, to] = domain;
  if (to > from) return [from, to];
  const at = min ?? from;
  return [at - 60, (max ?? at) + 60];
}

function Plot(props: { data: uPlot.AlignedData; yLabel: string; domain: readonly [number, number] }) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | undefined>(undefined);
  const domainRef = useRef(props.domain);
  domainRef.current = props.domain;
  const { data, yLabel } = props;

  useEffect(() => {
    const wrap = wrapRef.current;
    if (wrap === null) return;
    const width = Math.max(240, wrap.clientWidth);
    const plot = new uPlot(
      {
        width,
        height: chartHeight(width),
        scales: { x: { time: true, range: (_plot, min, max) => timeRange(domainRef.current, min, max) } },
        series: [
          { label: 'Time' },
          ...SERIES.map((series) => ({
            label: series.label,
            stroke: series.color,
            width: 2,
            ...(series.dash === undefined ? {} : { dash: series.dash }),
            value: (_plot: uPlot, value: number | null) => (value === null ? '—' : formatNumber(value)),
          })),
        ],
        axes: [
          { stroke: '#5b6675', grid: { stroke: '#eef1f4' } },
          { stroke: '#5b6675', grid: { stroke: '#eef1f4' }, label: yLabel, size: 56 },
        ],
        legend: { live: true },
        // The time axis's span, readable on the page (the axis itself is drawn on a canvas).
        hooks: {
          setScale: [
            (self: uPlot, key: string) => {
              const { min, max } = self.scales.x ?? {};
              if (key === 'x' && min !== undefined && max !== undefined) wrap.dataset.timeSpan = `${String(min)}/${String(max)}`;
            },
          ],
        },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      wrap,
    );
    plotRef.current = plot;
    const observer = new ResizeObserver(() => {
      const next = Math.max(240, wrap.clientWidth);
      plot.setSize({ width: next, height: chartHeight(next) });
    });
    observer.observe(wrap);
    return () => {
      observer.disconnect();
      plot.destroy();
      plotRef.current = undefined;
    };
    // The plot is made once per y label; new data goes through setData below.
  }, [yLabel]);

  useEffect(() => {
    plotRef.current?.setData(data);
  }, [data]);

  return <div ref={wrapRef} class="blast-plot" />;
}

export function BlastChart(props: { blastId: string; refreshKey: number }) {
  const timeline = useResource(() => loadTimeline(props.blastId), [props.blastId, props.refreshKey]);
  const [cumulative, setCumulative] = useState(true);
  const data = useMemo(() => (timeline.data === undefined ? undefined : seriesData(timeline.data, cumulative)), [timeline.data, cumulative]);
  const t = timeline.data;
  const totals = useMemo(() => {
    const sums: Record<Kind, number> = { sent: 0, failed: 0, delivered: 0, read: 0, replied: 0 };
    for (const point of t?.points ?? []) for (const { kind } of SERIES) sums[kind] += point[kind];
    return sums;
  }, [t]);

  const interval = t === undefined ? '' : formatDuration(t.bucketSeconds);
  return (
    <section class="panel blast-chart" aria-labelledby="blast-chart-title">
      <div class="blast-section-head">
        <h2 id="blast-chart-title">Sends, receipts and replies over time</h2>
        <label class="check blast-check">
          <input
            type="checkbox"
            checked={cumulative}
            onChange={(event) => {
              setCumulative(event.currentTarget.checked);
            }}
          />
          Running totals
        </label>
      </div>
      <ErrorNotice error={timeline.error} title="The chart could not be loaded" />
      {t === undefined || data === undefined ? (
        timeline.error === undefined && <Loading label="Loading the chart…" />
      ) : t.points.length === 0 ? (
        <p class="muted blast-chart-empty">Nothing has been sent yet: the chart starts when the blast does.</p>
      ) : (
        <>
          <div
            role="img"
            aria-label={
              `Chart of ${cumulative ? 'the totals so far' : `the counts per ${interval}`} from ${formatDateTime(t.from)} to ${formatDateTime(t.to)}: ` +
              `${formatNumber(totals.sent)} sent, ${formatNumber(totals.delivered)} delivered, ${formatNumber(totals.read)} read, ${formatNumber(totals.failed)} failed.`
            }
          >
            <Plot data={data} yLabel={cumulative ? 'Messages (total)' : `Messages per ${interval}`} domain={[Date.parse(t.from) / 1_000, Date.parse(t.to) / 1_000]} />
          </div>
          <p class="muted blast-small">
            {cumulative ? 'Running totals' : `Counts per ${interval}`}, in steps of {interval}. Failures are placed when their sending began.
          </p>
        </>
      )}
    </section>
  );
}
