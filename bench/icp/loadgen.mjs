// ICP load generator: keeps `outstanding` QUERY messages in flight against one
// responder, each slot sending its next query as soon as its reply arrives,
// and measures replies per second and reply latency.
//   node bench/icp/loadgen.mjs <port> <hit|miss> <durationMs> [outstanding] [warmupMs] [urlPrefix]
// Prints one JSON line. Built on a bare dgram socket, not IcpClient, so the
// generator does as little work per query as possible.
import { createSocket } from 'node:dgram';
import { encodeMessage } from '../../packages/icp/dist/index.js';

const [
  portText,
  kind = 'miss',
  durationText = '5000',
  outstandingText = '32',
  warmupText = '1000',
  prefix = 'http://origin.bench',
] = process.argv.slice(2);
const port = Number(portText);
const duration = Number(durationText);
const outstanding = Number(outstandingText);
const warmup = Number(warmupText);
// The responder has ${prefix}/hit/0…999 and none of ${prefix}/miss/….
const urls = Array.from({ length: 1000 }, (_, i) => `${prefix}/${kind}/${i}`);
// Queries are pre-encoded, one buffer per slot and URL, and only the request
// number is stamped before a send. A slot's buffer is reused only after its
// reply came back, so the previous send is long done (a connected socket
// sends synchronously, without the address lookup).
const queries = () =>
  urls.map((url) =>
    encodeMessage({
      opcode: 1,
      requestNumber: 0,
      options: 0,
      optionData: 0,
      senderAddress: 0,
      requesterAddress: 0,
      url,
    }),
  );

const socket = createSocket('udp4');
await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
// A connected socket skips the per-send address lookup dgram does otherwise.
await new Promise((resolve) => socket.connect(port, '127.0.0.1', resolve));

const SLOTS = outstanding;
const buffers = Array.from({ length: SLOTS }, () => queries());
const sentAt = new Float64Array(SLOTS);
const slotSeq = new Uint32Array(SLOTS);
const latencies = new Float64Array(4_000_000);
let samples = 0;
let seq = 0;
let replies = 0;
let measuring = false;
let lost = 0;
const opcodes = new Map();

function send(slot) {
  seq = (seq + 1) >>> 0;
  const bytes = buffers[slot][seq % urls.length];
  // Request number: low bits name the slot, so a reply finds its send time.
  const requestNumber = ((seq << 6) | slot) >>> 0;
  bytes.writeUInt32BE(requestNumber, 4);
  slotSeq[slot] = requestNumber;
  sentAt[slot] = performance.now();
  socket.send(bytes);
}

socket.on('message', (bytes) => {
  const requestNumber = bytes.readUInt32BE(4);
  const slot = requestNumber & 63;
  if (slot >= SLOTS || slotSeq[slot] !== requestNumber) return; // late reply to a resent slot
  if (measuring) {
    replies++;
    if (samples < latencies.length) latencies[samples++] = performance.now() - sentAt[slot];
    opcodes.set(bytes[0], (opcodes.get(bytes[0]) ?? 0) + 1);
  }
  send(slot);
});

// A slot whose reply never came (dropped datagram) is restarted.
const watchdog = setInterval(() => {
  const now = performance.now();
  for (let slot = 0; slot < SLOTS; slot++) {
    if (now - sentAt[slot] > 200) {
      if (measuring) lost++;
      send(slot);
    }
  }
}, 100);

for (let slot = 0; slot < SLOTS; slot++) send(slot);
await new Promise((resolve) => setTimeout(resolve, warmup));
measuring = true;
const started = performance.now();
const cpuStart = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, duration));
measuring = false;
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
clearInterval(watchdog);
socket.close();

const sorted = latencies.subarray(0, samples).sort();
const pct = (p) => (samples ? sorted[Math.min(samples - 1, Math.floor((p / 100) * samples))] : NaN);
const names = { 2: 'HIT', 3: 'MISS', 4: 'ERR', 21: 'MISS_NOFETCH', 22: 'DENIED' };
process.stdout.write(
  `${JSON.stringify({
    kind,
    outstanding,
    seconds: elapsed,
    replies,
    qps: Math.round(replies / elapsed),
    p50ms: pct(50),
    p99ms: pct(99),
    lost,
    loadgenCpu: Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100),
    opcodes: Object.fromEntries([...opcodes].map(([op, n]) => [names[op] ?? op, n])),
  })}\n`,
);
