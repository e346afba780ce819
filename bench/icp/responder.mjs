// An lvs7 ICP responder for the benchmark: answers HIT for the URLs in
// HIT_URLS (a Set lookup, as a cache index would be) and MISS otherwise.
//   node bench/icp/responder.mjs [port]   (prints "ready <port>"; SIGTERM prints its counters)
import { IcpResponder, IcpSocket } from '../../packages/icp/dist/index.js';

const port = Number(process.argv[2] ?? 0);
const cached = new Set(Array.from({ length: 1000 }, (_, i) => `http://origin.bench/hit/${i}`));
const socket = await IcpSocket.bind({ host: '127.0.0.1', port });
const responder = new IcpResponder({ socket, allow: ['127.0.0.0/8'], has: (url) => cached.has(url) });
process.stdout.write(`ready ${socket.address.port}\n`);
process.on('SIGTERM', async () => {
  process.stdout.write(`${JSON.stringify({ ...responder.counters, socket: socket.counters })}\n`);
  await socket.close();
  process.exit(0);
});
