import { createHealthProbe, healthCheckTypes } from '@lvs7/core';
import { afterEach, describe, expect, it } from 'vitest';
import { IcpOpcode, IcpProbe, IcpResponder, IcpSocket } from '../src/index.js';
import { FakePeer } from './helpers.js';

describe('the icp health check', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('is registered on import, with its options checked', () => {
    expect(healthCheckTypes()).toContain('icp');
    expect(createHealthProbe('icp', { port: 3130, url: 'http://x/' })).toBeInstanceOf(IcpProbe);
    expect(() => createHealthProbe('icp', { path: '/' })).toThrow(/unknown option/);
    expect(() => createHealthProbe('icp', { port: 0 })).toThrow(/port/);
  });

  it('passes on any valid reply, DENIED included', async () => {
    const socket = await IcpSocket.bind({ host: '127.0.0.1' });
    cleanup.push(() => socket.close());
    new IcpResponder({ socket, allow: ['10.0.0.0/8'], has: () => false });
    const probe = createHealthProbe('icp', { port: socket.address.port });
    const message = await probe.check({ host: '127.0.0.1', port: 80, name: 's1' }, AbortSignal.timeout(1000));
    expect(message).toMatch(/^ICP DENIED in \d+ ms$/);
  });

  it('fails when the server stays silent until the timeout aborts the check', async () => {
    const silent = await FakePeer.start({});
    cleanup.push(() => silent.close());
    const probe = new IcpProbe({ port: silent.port, url: 'http://probe/' });
    await expect(
      probe.check({ host: '127.0.0.1', port: 80, name: 's1' }, AbortSignal.timeout(50)),
    ).rejects.toMatchObject({
      code: 'LVS7_ERR_HEALTH_CHECK_FAILED',
      message: expect.stringMatching(/no ICP reply/),
    });
    expect(silent.queries[0]?.message).toMatchObject({ opcode: IcpOpcode.QUERY, url: 'http://probe/' });
  });

  it('ignores replies from another port or with another request number', async () => {
    const peer = await FakePeer.start({});
    const liar = await FakePeer.start({});
    cleanup.push(
      () => peer.close(),
      () => liar.close(),
    );
    const probe = new IcpProbe({ port: peer.port });
    const seen = peer.nextQuery();
    const checking = probe.check({ host: '127.0.0.1', port: 80, name: 's1' }, AbortSignal.timeout(150));
    const query = await seen;
    const from = peer.queries[0]!.from;
    const { encodeMessage } = await import('../src/index.js');
    const reply = (requestNumber: number) =>
      encodeMessage({
        opcode: IcpOpcode.MISS,
        requestNumber,
        options: 0,
        optionData: 0,
        senderAddress: 0,
        url: query.url,
      });
    liar.socket.send(reply(query.requestNumber), from.port, from.address);
    peer.socket.send(reply(query.requestNumber + 1), from.port, from.address);
    await expect(checking).rejects.toMatchObject({ code: 'LVS7_ERR_HEALTH_CHECK_FAILED' });
  });
});
