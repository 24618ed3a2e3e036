/**
 * bench/session-memory: what an idle linked `baileys` session costs a worker in memory, and
 * whether that cost stays flat while contacts churn.
 *   npm run bench:session-memory                 (200 sessions, 10 minutes per run, two runs)
 *   npm run bench:session-memory -- --quick      (50 sessions, 2 minutes per run: a quick check)
 *   flags: --sessions N  --minutes M  --only ours|baileys-defaults
 *
 * This process is "WhatsApp": test/support/wa-wire.ts (a WebSocket server speaking baileys'
 * binary nodes), feeding every connected session a steady churn of distinct contacts (PN and LID
 * senders, wa-stanzas.ts): inbound messages, receipts for our messages, presence and typing,
 * privacy-token and device notifications, and the LID ↔ phone mappings those carry.
 * The sessions live in ANOTHER process (bench/session-memory-worker.ts), as a worker holds them:
 * the product's own provider (createBaileysProvider) on the product's DB auth state (SQLite), each
 * a real baileys socket. So the fake server's own memory is not counted, and each run starts clean.
 *
 * Only baileys' Noise layer is swapped, as in the wire tests (where vi.mock does it): WhatsApp's
 * noise certificate is checked against WhatsApp's key, so no test server can finish the real
 * handshake. Outside vitest the swap is a Node module-customisation hook
 * (bench/support/pass-through-noise.hooks.mjs, `module.register` with a resolve hook, loaded with
 * `--import`), which redirects exactly one file (baileys/lib/Utils/noise-handler.js) to
 * test/support/pass-through-noise.ts and leaves every other module, baileys included, to load as
 * it does in the product. Running through vitest's node API would also work, but vitest would
 * transform baileys itself (server.deps.inline) and hold its module graph in the same heap.
 *
 * Two runs, one after the other, same churn: `ours` (the product as it is) and `baileys-defaults`
 * (the same, but without the caches the product hands baileys in its socket config, so baileys
 * makes its own NodeCaches; the signal-key cache in front of the database is ours in both runs,
 * as it is created with the auth state, not the socket). To compare with an older commit, run
 * this file against that commit's src (`--only ours`).
 * Figures per run: RSS and V8 heap (after a full GC) with no session, once all are connected,
 * after warm-up (5 minutes, or half of a shorter run) and at the end; per idle session
 * ((with N − with 0) / N); and the slope of RSS and heap after warm-up (least squares, MB/min).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { BinaryNode } from 'baileys';
import { prng } from '../test/support/prng.js';
import { devicesAdded, presence, privacyToken, receipt, textMessage } from '../test/support/wa-stanzas.js';
import { WaWire, type WireConnection } from '../test/support/wa-wire.js';
import type { ParentMessage, Sample, Variant, WorkerMessage } from './session-memory-worker.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
};
const quick = args.includes('--quick');
const SESSIONS = Number(flag('sessions') ?? (quick ? 50 : 200));
const MINUTES = Number(flag('minutes') ?? (quick ? 2 : 10));
const only = flag('only') as Variant | undefined;
const VARIANTS: Variant[] = only ? [only] : ['ours', 'baileys-defaults'];
const SAMPLE_MS = Math.max(2_000, Math.round((MINUTES * 60_000) / 60));
/**
 * Warm-up: the caches with a 5-minute time to live (signal keys, device lists: baileys' and ours)
 * fill for 5 minutes before entries start leaving, so "flat" is judged after that (or after half
 * of a shorter run).
 */
const WARMUP_MS = Math.min(5 * 60_000, (MINUTES * 60_000) / 2);

/** Per session and per second: what an idle campaign account hears while contacts come and go. */
const RATES = {
  inbound: 1 / 60,
  receipt: 1 / 10,
  presence: 1 / 15,
  privacyToken: 1 / 60,
  devices: 1 / 120,
};
/** The share of events from a contact never seen before (the rest: one of the session's recent ones). */
const NEW_CONTACT = 0.8;
const TICK_MS = 250;
const MB = 1024 * 1024;

interface Contact {
  pn: string;
  lid: string;
}

/** Distinct contacts for every session; recent ones come back now and then. */
class Churn {
  readonly #random = prng(15);
  readonly #recent = new WeakMap<WireConnection, Contact[]>();
  #next = 0;
  sent = 0;

  constructor(private readonly wire: WaWire) {}

  #contact(conn: WireConnection): Contact {
    const recent = this.#recent.get(conn) ?? [];
    this.#recent.set(conn, recent);
    const old = recent[Math.floor(this.#random() * recent.length)];
    if (old && this.#random() > NEW_CONTACT) return old;
    const k = this.#next++;
    const contact = { pn: `62857${String(k).padStart(8, '0')}@s.whatsapp.net`, lid: `${200_000_000_000_000 + k}@lid` };
    recent.push(contact);
    if (recent.length > 50) recent.shift();
    return contact;
  }

  #stanzas(conn: WireConnection, seconds: number): BinaryNode[] {
    const out: BinaryNode[] = [];
    const happens = (perSecond: number): boolean => this.#random() < perSecond * seconds;
    const viaLid = (): boolean => this.#random() < 0.5;
    if (happens(RATES.inbound)) {
      const { pn, lid } = this.#contact(conn);
      const lidSender = viaLid();
      out.push(textMessage({ from: lidSender ? lid : pn, senderAlt: lidSender ? pn : lid, text: 'STOP', pushName: 'Customer' }));
    }
    if (happens(RATES.receipt)) {
      const { pn, lid } = this.#contact(conn);
      const id = `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
      out.push(receipt({ id, from: viaLid() ? lid : pn, ...(this.#random() < 0.4 ? { type: 'read' as const } : {}) }));
    }
    if (happens(RATES.presence)) {
      const { pn, lid } = this.#contact(conn);
      out.push(presence({ from: viaLid() ? lid : pn, typing: this.#random() < 0.3 }));
    }
    if (happens(RATES.privacyToken)) {
      const { pn, lid } = this.#contact(conn);
      out.push(privacyToken({ from: pn, senderLid: lid }));
    }
    if (happens(RATES.devices)) {
      const { pn } = this.#contact(conn);
      out.push(devicesAdded({ from: pn, device: 1 + Math.floor(this.#random() * 3) }));
    }
    return out;
  }

  tick(): void {
    for (const conn of this.wire.connections) {
      if (conn.closed || conn.payload === undefined) continue;
      // The fake server keeps what baileys sent for the tests; a bench has no use for it.
      conn.received.length = 0;
      const stanzas = this.#stanzas(conn, TICK_MS / 1000);
      this.sent += stanzas.length;
      void conn.sendAll(stanzas).catch(() => undefined);
    }
  }
}

/** Least-squares slope of `value` over time, in MB per minute. */
function slope(samples: Sample[], value: (sample: Sample) => number): number {
  if (samples.length < 2) return 0;
  const xs = samples.map((s) => s.atMs / 60_000);
  const ys = samples.map((s) => value(s) / MB);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += ((xs[i] ?? 0) - mx) * ((ys[i] ?? 0) - my);
    den += ((xs[i] ?? 0) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

interface RunResult {
  variant: Variant;
  baseline: Sample;
  connected: Sample;
  connectMs: number;
  warm: Sample;
  end: Sample;
  rssSlope: number;
  heapSlope: number;
  events: Record<string, number>;
  stanzas: number;
}

async function run(variant: Variant): Promise<RunResult> {
  const wire = await WaWire.start();
  const churn = new Churn(wire);
  const worker: ChildProcess = fork(fileURLToPath(new URL('./session-memory-worker.ts', import.meta.url)), [], {
    execArgv: ['--expose-gc', '--import', 'tsx', '--import', './bench/support/pass-through-noise.register.mjs'],
    env: { ...process.env, BENCH_WA_URL: wire.url, BENCH_SESSIONS: String(SESSIONS), BENCH_SAMPLE_MS: String(SAMPLE_MS), BENCH_VARIANT: variant },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let ticker: NodeJS.Timeout | undefined;
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      let baseline: Sample | undefined;
      let connected: Sample | undefined;
      let connectMs = 0;
      const samples: Sample[] = [];
      worker.on('exit', (code) => {
        reject(new Error(`the session worker exited (${code ?? 'signal'})`));
      });
      worker.on('message', (message: WorkerMessage) => {
        switch (message.type) {
          case 'failed':
            reject(new Error(message.error));
            return;
          case 'baseline':
            baseline = message.sample;
            return;
          case 'connected':
            connected = message.sample;
            connectMs = message.connectMs;
            console.log(`[${variant}] ${SESSIONS} sessions connected in ${(connectMs / 1000).toFixed(1)} s; churn for ${MINUTES} min`);
            ticker = setInterval(() => {
              churn.tick();
            }, TICK_MS);
            return;
          case 'sample': {
            if (!baseline || !connected) return;
            samples.push(message.sample);
            const since = message.sample.atMs - connected.atMs;
            console.log(
              `[${variant}] ${(since / 60_000).toFixed(1)} min: RSS ${(message.sample.rss / MB).toFixed(1)} MB, heap ${(message.sample.heapUsed / MB).toFixed(1)} MB, ` +
                `stanzas ${churn.sent}, events ${JSON.stringify(message.events)}`,
            );
            if (since < MINUTES * 60_000) return;
            const afterWarmup = samples.filter((s) => s.atMs - connected!.atMs >= WARMUP_MS);
            resolve({
              variant,
              baseline,
              connected,
              connectMs,
              warm: afterWarmup[0] ?? message.sample,
              end: message.sample,
              rssSlope: slope(afterWarmup, (s) => s.rss),
              heapSlope: slope(afterWarmup, (s) => s.heapUsed),
              events: message.events,
              stanzas: churn.sent,
            });
          }
        }
      });
    });
  } finally {
    clearInterval(ticker);
    worker.removeAllListeners('exit');
    worker.send({ type: 'stop' } satisfies ParentMessage);
    await new Promise((resolve) => worker.once('exit', resolve));
    await wire.close();
  }
}

const mb = (bytes: number): string => (bytes / MB).toFixed(1);

function report(result: RunResult): string {
  const { baseline, connected, warm, end } = result;
  const perSession = (a: number, b: number): string => ((a - b) / MB / SESSIONS).toFixed(2);
  const lines = [
    `== ${result.variant}: ${SESSIONS} sessions, ${MINUTES} min, ${result.stanzas} stanzas from contacts, events ${JSON.stringify(result.events)}`,
    `   RSS  : 0 sessions ${mb(baseline.rss)} MB | connected ${mb(connected.rss)} MB | after warm-up ${mb(warm.rss)} MB | end ${mb(end.rss)} MB`,
    `   heap : 0 sessions ${mb(baseline.heapUsed)} MB | connected ${mb(connected.heapUsed)} MB | after warm-up ${mb(warm.heapUsed)} MB | end ${mb(end.heapUsed)} MB`,
    `   per idle session (end): RSS ${perSession(end.rss, baseline.rss)} MB, heap ${perSession(end.heapUsed, baseline.heapUsed)} MB` +
      ` (just connected: RSS ${perSession(connected.rss, baseline.rss)} MB, heap ${perSession(connected.heapUsed, baseline.heapUsed)} MB)`,
    `   after warm-up: RSS ${result.rssSlope >= 0 ? '+' : ''}${result.rssSlope.toFixed(2)} MB/min, heap ${result.heapSlope >= 0 ? '+' : ''}${result.heapSlope.toFixed(2)} MB/min` +
      ` (whole process; ${((result.rssSlope * 1024) / SESSIONS).toFixed(1)} kB/min per session)`,
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const results: RunResult[] = [];
  for (const variant of VARIANTS) results.push(await run(variant));
  for (const result of results) console.log(report(result));
  const ours = results.find((r) => r.variant === 'ours') ?? results[0]!;
  const perSession = (ours.end.rss - ours.baseline.rss) / MB / SESSIONS;
  console.log(
    `RESULT ${perSession.toFixed(2)} MB RSS per idle session (${SESSIONS} sessions, ${MINUTES} min, target ≤ 10 MB), ` +
      `RSS ${ours.rssSlope >= 0 ? '+' : ''}${ours.rssSlope.toFixed(2)} MB/min after warm-up`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
