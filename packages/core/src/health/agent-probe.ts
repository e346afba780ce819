import type net from 'node:net';
import { HealthCheckFailedError } from '../errors.js';
import { MAX_WEIGHT, type ServerState } from '../server.js';
import {
  type HealthCheckResult,
  type HealthProbe,
  type HealthTarget,
  optionalPort,
  optionalString,
  registerHealthCheck,
  rejectUnknownOptions,
} from './health-probe.js';
import { abortReason, connectSocket } from './tcp-probe.js';

/** An agent's line longer than this is cut here (HAProxy reads one small buffer). */
export const AGENT_MAX_REPLY = 1024;

/** What one agent line says (HAProxy agent-check words). */
export interface AgentReply {
  /** `up` → true; `down`, `fail`, `stopped` → false; undefined when neither was sent. */
  readonly healthy?: boolean;
  /** The down/fail/stopped/up word itself, for messages. */
  readonly verdict?: string;
  /** `ready`, `drain` or `maint`. */
  readonly state?: ServerState;
  /** `NN%`: weight relative to the configured weight. */
  readonly weightPercent?: number;
  /** `maxconn:NN`. */
  readonly maxConnections?: number;
  /** Text after `#` (HAProxy shows it on the stats page). */
  readonly description?: string;
  /** Words not understood (ignored, as HAProxy does). */
  readonly unknown: readonly string[];
}

/**
 * Parses an agent's reply: its first line, words separated by spaces, tabs or
 * commas, case-insensitive, anything after `#` a description. Later words win.
 */
export function parseAgentReply(text: string): AgentReply {
  let line = text.split('\n', 1)[0]!.replace(/\r$/, '');
  let description: string | undefined;
  const hash = line.indexOf('#');
  if (hash >= 0) {
    description = line.slice(hash + 1).trim();
    line = line.slice(0, hash);
  }
  const reply: {
    -readonly [K in keyof AgentReply]: AgentReply[K];
  } = { unknown: [] };
  const unknown: string[] = [];
  for (const raw of line.split(/[\s,]+/)) {
    if (raw === '') continue;
    const word = raw.toLowerCase();
    let m: RegExpExecArray | null;
    if (word === 'up') {
      reply.healthy = true;
      reply.verdict = word;
    } else if (word === 'down' || word === 'fail' || word === 'stopped') {
      reply.healthy = false;
      reply.verdict = word;
    } else if (word === 'ready' || word === 'drain' || word === 'maint') {
      reply.state = word;
    } else if ((m = /^(\d{1,5})%$/.exec(word)) !== null) {
      reply.weightPercent = Number(m[1]);
    } else if ((m = /^maxconn:(\d{1,9})$/.exec(word)) !== null) {
      reply.maxConnections = Number(m[1]);
    } else {
      unknown.push(raw);
    }
  }
  reply.unknown = unknown;
  if (description !== undefined && description !== '') reply.description = description;
  return reply;
}

/**
 * HAProxy's rule for `NN%`: the effective weight is the configured weight
 * scaled by the percent, capped at 256, and at least 1 unless the percent is 0.
 */
export function agentWeight(configuredWeight: number, weightPercent: number): number {
  if (weightPercent <= 0 || configuredWeight <= 0) return 0;
  return Math.min(MAX_WEIGHT, Math.max(1, Math.round((configuredWeight * weightPercent) / 100)));
}

export interface AgentProbeOptions {
  /** Agent port; default the server's own port. */
  readonly port?: number | undefined;
  /** A string sent once connected (HAProxy `agent-send`), e.g. "status\n". */
  readonly send?: string | undefined;
}

/**
 * HAProxy agent-check: connects to the agent, reads one line and closes.
 * `down`/`fail`/`stopped` fail the check; anything else understood passes and
 * resolves with the hints (state, weightPercent, maxConnections), which the
 * HealthSession hands to its `onAgentHint` callback; a reply with no word it
 * understands fails.
 */
export class AgentProbe implements HealthProbe {
  readonly port: number | undefined;
  readonly send: string | undefined;

  constructor(options: AgentProbeOptions = {}) {
    this.port = options.port;
    this.send = options.send;
  }

  async check(target: HealthTarget, signal: AbortSignal): Promise<HealthCheckResult> {
    const socket = await connectSocket(target.host, this.port ?? target.port, signal);
    let text: string;
    try {
      text = await readLine(socket, signal, this.send);
    } finally {
      socket.destroy();
    }
    const reply = parseAgentReply(text);
    const shown = text.split('\n', 1)[0]!.trim().slice(0, 120);
    if (reply.healthy === false) throw new HealthCheckFailedError(`agent: ${shown}`);
    if (
      reply.healthy === undefined &&
      reply.state === undefined &&
      reply.weightPercent === undefined &&
      reply.maxConnections === undefined
    ) {
      throw new HealthCheckFailedError(
        shown === '' ? 'agent: empty reply' : `agent: not understood: ${shown}`,
      );
    }
    const result: { -readonly [K in keyof HealthCheckResult]: HealthCheckResult[K] } = {
      message: `agent: ${shown}`,
    };
    if (reply.state !== undefined) result.state = reply.state;
    if (reply.weightPercent !== undefined) result.weightPercent = reply.weightPercent;
    if (reply.maxConnections !== undefined) result.maxConnections = reply.maxConnections;
    return result;
  }
}

/** Reads until a newline, AGENT_MAX_REPLY bytes or the end of the stream. */
function readLine(socket: net.Socket, signal: AbortSignal, send: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error) => {
      signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      socket.on('error', () => {}); // late errors after destroy
      if (error) reject(error);
      else resolve(Buffer.concat(chunks).subarray(0, AGENT_MAX_REPLY).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= AGENT_MAX_REPLY || chunk.includes(10)) finish();
    };
    const onEnd = () => finish();
    const onError = (error: Error) =>
      finish(new HealthCheckFailedError(`agent: ${error.message}`, { cause: error }));
    const onAbort = () => finish(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    if (send !== undefined) socket.write(send);
  });
}

registerHealthCheck('agent', (options) => {
  rejectUnknownOptions('agent', options, ['port', 'send']);
  return new AgentProbe({
    port: optionalPort('agent', options, 'port'),
    send: optionalString('agent', options, 'send'),
  });
});
