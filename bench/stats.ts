/**
 * Running a scenario at a concurrency and summarising it. Latencies are measured per operation
 * with the monotonic clock; percentiles are nearest-rank over every measured operation (no
 * histogram buckets, no sampling: a few thousand numbers sort in no time).
 */
export type Summary = {
  scenario: string;
  concurrency: number;
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
};

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Runs `count` operations with `concurrency` workers taking the next number from one counter, so
 * that exactly `concurrency` operations are in flight until the end. An operation that throws
 * ends the run: a wrong page must not be counted as a fast one.
 */
export async function runOps(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      await op(i);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { latencies, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

export function summarise(
  scenario: string,
  concurrency: number,
  run: { latencies: number[]; seconds: number },
): Summary {
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    scenario,
    concurrency,
    requests: sorted.length,
    seconds: round(run.seconds),
    perSecond: round(sorted.length / run.seconds),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

export function formatTable(rows: Array<Summary & { load1?: number; serverCpuMs?: number | null }>): string {
  const head = ['scenario', 'conc', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'load', 'cpu ms/op'];
  const body = rows.map((r) =>
    [
      r.scenario,
      r.concurrency,
      r.requests,
      r.perSecond,
      r.p50,
      r.p95,
      r.p99,
      r.max,
      r.load1 ?? '',
      r.serverCpuMs ?? '',
    ].map(String),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}
