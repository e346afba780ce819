import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthCheckFailedError } from '../../src/errors.js';
import { AgentProbe, agentWeight, createHealthProbe, parseAgentReply } from '../../src/health/index.js';
import { closedPort, startTcpServer, target, timeoutSignal, waitFor } from './helpers.js';

describe('parseAgentReply', () => {
  it.each([
    ['up\n', { healthy: true, verdict: 'up' }],
    ['UP\r\n', { healthy: true, verdict: 'up' }],
    ['down\n', { healthy: false, verdict: 'down' }],
    ['fail', { healthy: false, verdict: 'fail' }],
    ['stopped\n', { healthy: false, verdict: 'stopped' }],
    ['down#disk full\n', { healthy: false, verdict: 'down', description: 'disk full' }],
    ['stopped # planned reboot\n', { healthy: false, verdict: 'stopped', description: 'planned reboot' }],
    ['ready\n', { state: 'ready' }],
    ['drain\n', { state: 'drain' }],
    ['maint\n', { state: 'maint' }],
    ['75%\n', { weightPercent: 75 }],
    ['0%\n', { weightPercent: 0 }],
    ['150%\n', { weightPercent: 150 }],
    ['maxconn:30\n', { maxConnections: 30 }],
    ['up 75%\n', { healthy: true, verdict: 'up', weightPercent: 75 }],
    ['ready,50%\n', { state: 'ready', weightPercent: 50 }],
    [
      'up\t drain , 10%,maxconn:5\n',
      { healthy: true, verdict: 'up', state: 'drain', weightPercent: 10, maxConnections: 5 },
    ],
    ['up down\n', { healthy: false, verdict: 'down' }],
    ['50% 80%\n', { weightPercent: 80 }],
  ])('%j', (line, expected) => {
    expect(parseAgentReply(line)).toEqual({ unknown: [], ...expected });
  });

  it('keeps unknown words aside and reads the first line only', () => {
    expect(parseAgentReply('hello up 7x% maxconn:\n')).toEqual({
      healthy: true,
      verdict: 'up',
      unknown: ['hello', '7x%', 'maxconn:'],
    });
    expect(parseAgentReply('drain\ndown\n')).toEqual({ state: 'drain', unknown: [] });
    expect(parseAgentReply('')).toEqual({ unknown: [] });
    expect(parseAgentReply('# only a description')).toEqual({
      unknown: [],
      description: 'only a description',
    });
  });

  it('scales the configured weight as HAProxy does', () => {
    expect(agentWeight(10, 50)).toBe(5);
    expect(agentWeight(10, 100)).toBe(10);
    expect(agentWeight(1, 10)).toBe(1);
    expect(agentWeight(10, 0)).toBe(0);
    expect(agentWeight(0, 50)).toBe(0);
    expect(agentWeight(200, 200)).toBe(256);
  });
});

describe('agent probe', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  const agent = async (reply: (socket: net.Socket, received: string[]) => void) => {
    const received: string[] = [];
    const server = await startTcpServer((socket) => {
      socket.on('data', (chunk) => received.push(chunk.toString()));
      reply(socket, received);
    });
    cleanups.push(server.close);
    return { ...server, received };
  };
  const answering = (line: string) => agent((socket) => socket.end(line));

  it('passes with hints on up/ready/drain/maint/NN%/maxconn', async () => {
    const probe = createHealthProbe('agent', {});
    const cases: [string, object][] = [
      ['up\n', { message: 'agent: up' }],
      ['ready 75%\n', { message: 'agent: ready 75%', state: 'ready', weightPercent: 75 }],
      ['drain\n', { message: 'agent: drain', state: 'drain' }],
      ['maint\n', { message: 'agent: maint', state: 'maint' }],
      ['maxconn:12', { message: 'agent: maxconn:12', maxConnections: 12 }],
    ];
    for (const [line, expected] of cases) {
      const server = await answering(line);
      await expect(probe.check(target(server.port), timeoutSignal(1000))).resolves.toEqual(expected);
    }
  });

  it('fails on down/fail/stopped, with the description, and on an empty or meaningless reply', async () => {
    const probe = new AgentProbe();
    for (const [line, message] of [
      ['down\n', 'agent: down'],
      ['fail#db unreachable\n', 'agent: fail#db unreachable'],
      ['stopped 50%\n', 'agent: stopped 50%'],
      ['', 'agent: empty reply'],
      ['hello world\n', 'agent: not understood: hello world'],
    ]) {
      const server = await answering(line!);
      const error = await probe.check(target(server.port), timeoutSignal(1000)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HealthCheckFailedError);
      expect((error as Error).message).toBe(message);
    }
  });

  it('reads one line without waiting for the agent to close, then closes', async () => {
    const server = await agent((socket) => socket.write('up 50%\nignored\n'));
    await expect(new AgentProbe().check(target(server.port), timeoutSignal(1000))).resolves.toMatchObject({
      weightPercent: 50,
    });
    await waitFor(() => server.sockets.size === 0, 1000, 'the agent connection to close');
  });

  it('sends `send` first and uses the agent `port` instead of the server port', async () => {
    const server = await agent((socket, received) => {
      socket.once('data', () => socket.end(received.join('').startsWith('status') ? 'up\n' : 'down\n'));
    });
    const port = await closedPort();
    const probe = createHealthProbe('agent', { port: server.port, send: 'status\n' });
    await expect(probe.check(target(port), timeoutSignal(1000))).resolves.toEqual({ message: 'agent: up' });
    expect(server.received.join('')).toBe('status\n');
  });

  it('fails at the timeout when the agent says nothing', async () => {
    const server = await agent(() => {});
    const error = await new AgentProbe()
      .check(target(server.port), timeoutSignal(80))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HealthCheckFailedError);
    expect((error as Error).message).toBe('timeout after 80 ms');
    await waitFor(() => server.sockets.size === 0, 1000, 'the agent connection to close');
  });
});
