import type { Logger } from 'pino';
import { type ProbeResult, probeAnnounce } from './announce-probe.js';
import {
  type BgpAnnouncerOptions,
  type ResolvedAnnouncerOptions,
  resolveAnnouncerOptions,
} from './announcer-options.js';
import { readLines } from './internal/line-reader.js';
import type { FetchFunction } from './peer-poller.js';

/** What the announcer last told ExaBGP: `unknown` at start and after ExaBGP answered `error`. */
export type AnnouncerState = 'unknown' | 'announced' | 'withdrawn';

type Command = 'announce' | 'withdraw';

/**
 * The process ExaBGP runs (`process … { run …; encoder text; }`): polls the
 * local lvs7's `/api/site/announce` and writes `announce route …` or
 * `withdraw route …` to stdout when the answer changes. It reads ExaBGP's
 * acknowledgements from stdin all the time (so that pipe never fills) and
 * stops when ExaBGP says `shutdown` or closes the pipe.
 *
 * A 200 announces; any other answer withdraws at once; no answer (refused,
 * timed out) withdraws after `failures` polls in a row. At start nothing is
 * assumed: ExaBGP keeps the routes of an API process that died and
 * respawns it, so the first poll (with `startTimeoutMs`) decides and is
 * always sent — a withdraw unless lvs7 answers 200.
 */
export class BgpAnnouncer {
  readonly options: ResolvedAnnouncerOptions;
  /** Resolves once the announcer stopped (ExaBGP shut down, closed the pipe, or stop()). */
  readonly done: Promise<void>;
  readonly #io: BgpAnnouncerOptions;
  readonly #logger: Logger | undefined;
  readonly #fetch: FetchFunction;
  readonly #sent: Command[] = [];
  #state: AnnouncerState = 'unknown';
  #failed = 0;
  #retryAt = 0;
  #stopped = false;
  #finish!: () => void;
  #wake: (() => void) | undefined;
  #sleepTimer: NodeJS.Timeout | undefined;
  #stopReading: () => void = () => {};

  constructor(options: BgpAnnouncerOptions) {
    this.options = resolveAnnouncerOptions(options);
    this.#io = options;
    this.#logger = options.logger;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.done = new Promise((resolve) => (this.#finish = resolve));
  }

  get state(): AnnouncerState {
    return this.#state;
  }

  start(): this {
    this.#stopReading = readLines(this.#io.stdin, {
      line: (line) => this.#onAck(line),
      end: () => this.stop('ExaBGP closed the pipe'),
    });
    this.#io.stdout.on('error', (err) => this.stop(`stdout: ${err.message}`));
    void this.#loop();
    return this;
  }

  stop(why = 'stopped'): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopReading();
    if (this.#sleepTimer) clearTimeout(this.#sleepTimer);
    this.#wake?.();
    this.#logger?.info({ why }, 'bgp-announcer stopping');
    this.#finish();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const started = Date.now();
      const timeout = this.#state === 'unknown' ? this.options.startTimeoutMs : this.options.timeoutMs;
      const result = await probeAnnounce(this.options.admin, timeout, this.#fetch);
      if (this.#stopped) break;
      try {
        this.#apply(result);
      } catch (err) {
        this.#logger?.error({ err }, 'bgp-announcer: could not write to ExaBGP');
      }
      await this.#sleep(Math.max(0, this.options.intervalMs - (Date.now() - started)));
    }
  }

  #apply(result: ProbeResult): void {
    let want: Command;
    if (result.kind === 'up') {
      this.#failed = 0;
      want = 'announce';
    } else if (result.kind === 'down') {
      this.#failed = 0;
      want = 'withdraw';
    } else {
      this.#failed++;
      // Hold the current state through one lost poll; at start, assume nothing.
      if (this.#state !== 'unknown' && this.#failed < this.options.failures) return;
      want = 'withdraw';
    }
    if (this.#state === (want === 'announce' ? 'announced' : 'withdrawn')) return;
    if (this.#state === 'unknown' && Date.now() < this.#retryAt) return;
    this.#send(want, result);
  }

  #send(command: Command, why: ProbeResult): void {
    const line = `${command} route ${this.options.prefix} next-hop ${this.options.nextHop}\n`;
    this.#sent.push(command);
    this.#state = command === 'announce' ? 'announced' : 'withdrawn';
    this.#io.stdout.write(line);
    const reason =
      why.kind === 'up'
        ? 'lvs7 answered 200'
        : why.kind === 'down'
          ? `lvs7 answered ${why.status}`
          : `${this.#failed} failed poll(s): ${why.reason}`;
    this.#logger?.info({ prefix: this.options.prefix, command, reason }, `bgp-announcer: ${command}`);
  }

  #onAck(line: string): void {
    const word = line.toLowerCase();
    if (word === 'shutdown') {
      this.stop('ExaBGP is shutting down');
      return;
    }
    if (word !== 'done' && word !== 'error') return;
    const command = this.#sent.shift();
    if (word === 'done') return;
    // ExaBGP refused the command: forget what we think it holds, and send again later.
    this.#logger?.error({ command, prefix: this.options.prefix }, 'ExaBGP answered error');
    this.#state = 'unknown';
    this.#retryAt = Date.now() + this.options.retryAfterErrorMs;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#sleepTimer = setTimeout(resolve, ms);
    });
  }
}

/** Starts a BgpAnnouncer; await `.done` for it to end. */
export function runBgpAnnouncer(options: BgpAnnouncerOptions): BgpAnnouncer {
  return new BgpAnnouncer(options).start();
}
