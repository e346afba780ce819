// Scheduler microbenchmark: picks per second for every scheduler with 10 and
// 1,000 servers (random weights 1-10, random active/inactive counts; random
// keys and client addresses for the hashing ones), plus the time update()
// takes to build its tables for 1,000 servers.
//
//   npx tsc -b packages/core && node bench/schedulers.mjs [msPerCase]
//
// Runs against the built packages/core/dist, the code lvs7 ships.
import { createScheduler, MemoryTable, schedulerInfo } from '../packages/core/dist/index.js';

const NAMES = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'sed',
  'nq',
  'lblc',
  'lblcr',
  'dh',
  'sh',
  'mh',
  'ring',
  'bounded',
  'p2c',
  'fo',
  'ovf',
  'random',
];
const SIZES = [10, 1000];
const MS_PER_CASE = Number(process.argv[2] ?? 250);
const KEYS = 4096; // distinct keys (power of two: the loop masks the index)

// A seeded PRNG so runs are comparable (mulberry32).
let seed = 0x5eed;
function random() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (min, max) => min + Math.floor(random() * (max - min + 1));

function makeServers(n) {
  return Array.from({ length: n }, (_, i) => ({
    name: `srv-${i}`,
    weight: int(1, 10),
    active: int(0, 50),
    inactive: int(0, 200),
  }));
}

// Contexts are built up front so the timed loop allocates nothing itself.
const contexts = Array.from({ length: KEYS }, (_, i) => ({
  key: `/assets/${i}/${Math.floor(random() * 1e9).toString(36)}.js`,
  clientAddress: `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
}));

function bench(name, n) {
  const servers = makeServers(n);
  const table = new MemoryTable({ ttlMs: 3_600_000, maxEntries: 100_000 });
  const scheduler = createScheduler(name, { table });
  const started = performance.now();
  scheduler.update?.(servers);
  const updateMs = performance.now() - started;
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += scheduler.pick(servers, contexts[i & (KEYS - 1)])?.weight ?? 0;
  let picks = 0;
  const begin = performance.now();
  let elapsed = 0;
  while (elapsed < MS_PER_CASE) {
    for (let i = 0; i < 2000; i++, picks++) {
      sink += scheduler.pick(servers, contexts[picks & (KEYS - 1)])?.weight ?? 0;
    }
    elapsed = performance.now() - begin;
  }
  if (sink < 0) console.log(sink); // keep the picks observable
  return { perSecond: (picks * 1000) / elapsed, updateMs };
}

const format = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
const rows = [];
for (const name of NAMES) {
  const results = SIZES.map((n) => bench(name, n));
  rows.push([
    name,
    schedulerInfo(name).hashing ? 'yes' : '',
    ...results.map((r) => format(r.perSecond)),
    results.at(-1).updateMs.toFixed(1),
  ]);
}
const header = ['scheduler', 'hashing', ...SIZES.map((n) => `picks/s (${n})`), `update ms (${SIZES.at(-1)})`];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) =>
  `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(`node ${process.version}, ${MS_PER_CASE} ms per case`);
console.log(line(header));
console.log(
  `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
);
for (const row of rows) console.log(line(row));
