import { describe, expect, it } from 'vitest';
import { choosePeer, IcpOpcode, type IcpPeer, type IcpPeerReply, rankParentMisses } from '../src/index.js';

const peer = (name: string, type: 'parent' | 'sibling', weight?: number): IcpPeer => ({
  name,
  host: '127.0.0.1',
  port: 1,
  type,
  ...(weight === undefined ? {} : { weight }),
});
const reply = (p: IcpPeer, opcode: IcpOpcode, rttMs: number, sourceRttMs?: number): IcpPeerReply => ({
  peer: p,
  opcode,
  rttMs,
  ...(sourceRttMs === undefined ? {} : { sourceRttMs }),
});

describe('RFC 2187 peer choice', () => {
  it('first HIT wins over any MISS; HIT_OBJ is a HIT', () => {
    const replies = [
      reply(peer('p', 'parent'), IcpOpcode.MISS, 1),
      reply(peer('s', 'sibling'), IcpOpcode.HIT_OBJ, 5),
    ];
    expect(choosePeer(replies, rankParentMisses(replies))).toMatchObject({
      code: 'SIBLING_HIT',
      peer: { name: 's' },
    });
  });

  it('ranks parent MISS and DECHO; siblings, MISS_NOFETCH, DENIED and ERR are not candidates', () => {
    const replies = [
      reply(peer('s', 'sibling'), IcpOpcode.MISS, 1),
      reply(peer('nf', 'parent'), IcpOpcode.MISS_NOFETCH, 1),
      reply(peer('d', 'parent'), IcpOpcode.DENIED, 1),
      reply(peer('e', 'parent'), IcpOpcode.ERR, 1),
      reply(peer('slow', 'parent'), IcpOpcode.MISS, 30),
      reply(peer('echo', 'parent'), IcpOpcode.DECHO, 10),
    ];
    expect(rankParentMisses(replies).map((r) => r.peer.name)).toEqual(['echo', 'slow']);
  });

  it('source RTT first (closest first), then ICP RTT divided by weight', () => {
    const replies = [
      reply(peer('a', 'parent'), IcpOpcode.MISS, 2),
      reply(peer('b', 'parent', 4), IcpOpcode.MISS, 6),
      reply(peer('c', 'parent'), IcpOpcode.MISS, 50, 90),
      reply(peer('d', 'parent'), IcpOpcode.MISS, 60, 40),
      reply(peer('z', 'parent'), IcpOpcode.MISS, 1, 0), // 0: the peer knows no RTT
    ];
    const ranked = rankParentMisses(replies);
    expect(ranked.map((r) => r.peer.name)).toEqual(['d', 'c', 'z', 'b', 'a']);
    expect(choosePeer(replies, ranked)?.code).toBe('CLOSEST_PARENT_MISS');
    expect(choosePeer([], [])).toBeUndefined();
  });
});
