import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { IcpClient, IcpOpcode, IcpSocket } from '@lvs7/icp';
import { describe, expect, it } from 'vitest';
import { CacheNode, DiskStore, describeResponse } from '../src/index.js';
import { logger } from './helpers.js';

describe('a starting cache node', () => {
  it('answers ICP queries MISS_NOFETCH until its store is loaded, then normally', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lvs7-cache-start-'));
    const socket = await IcpSocket.bind({ host: '127.0.0.1' });
    const client = new IcpClient({ socket, timeout: 2_000 });
    try {
      // A disk store with enough objects that loading its index takes a while.
      const disk = await DiskStore.open({ path: dir, size: 1 << 30, maxObjectSize: 1 << 20 });
      const now = Date.now();
      for (let i = 0; i < 400; i++) {
        const url = `http://origin.test/${i}`;
        const meta = describeResponse({
          key: url,
          url,
          status: 200,
          statusText: 'OK',
          headers: { 'cache-control': 'max-age=600' },
          size: 1,
          requestTime: now,
          responseTime: now,
        });
        disk.put({ meta, body: Buffer.from('x') });
      }
      await disk.close();

      const node = new CacheNode({
        options: {
          name: 'starting',
          listen: '127.0.0.1:0',
          icp: '127.0.0.1:0',
          memory: 1 << 20,
          disk: { path: dir, size: 1 << 30 },
        },
        logger,
      });
      const started = node.start();
      while (node.icpAddress === undefined) await tick();
      const peer = {
        name: 'starting',
        host: '127.0.0.1',
        port: node.icpAddress.port,
        type: 'sibling' as const,
      };
      const early = await client.query('http://origin.test/1', [peer]);
      await started;
      const ready = await client.query('http://origin.test/1', [peer]);
      const missing = await client.query('http://origin.test/none', [peer]);
      expect(early.replies.map((r) => r.opcode)).toEqual([IcpOpcode.MISS_NOFETCH]);
      expect(ready.replies.map((r) => r.opcode)).toEqual([IcpOpcode.HIT]);
      expect(missing.replies.map((r) => r.opcode)).toEqual([IcpOpcode.MISS]);
      await node.close();
    } finally {
      client.close();
      await socket.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
