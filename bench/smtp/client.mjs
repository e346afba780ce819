// SMTP load generator: `concurrency` connections, each sending messages of
// `size` bytes back to back (MAIL, RCPT and DATA pipelined, then the
// message), counting 250s after the final dot. Prints JSON.
//   node bench/smtp/client.mjs <port> <size> <concurrency> <warmupMs> <measureMs>
import net from 'node:net';

const [port, size, concurrency, warmupMs, measureMs] = process.argv.slice(2).map(Number);

function message(bytes) {
  const head = 'From: bench@example.net\r\nTo: u1@example.org\r\nSubject: bench\r\n\r\n';
  const line = `${'x'.repeat(76)}\r\n`;
  const body = line.repeat(Math.max(1, Math.ceil((bytes - head.length) / line.length)));
  return Buffer.from(`${head}${body}.\r\n`);
}

const payload = message(size);
let counting = false;
let sent = 0;
let errors = 0;
let stop = false;

/** Resolves with the codes of the next `n` replies (multi-line replies count once). */
function replies(state, n) {
  return new Promise((resolve, reject) => {
    state.want = n;
    state.codes = [];
    state.resolve = resolve;
    state.reject = reject;
    drain(state);
  });
}

function drain(state) {
  if (state.resolve === undefined) return;
  let lf;
  while (state.codes.length < state.want && (lf = state.buffer.indexOf('\n')) >= 0) {
    const line = state.buffer.slice(0, lf);
    state.buffer = state.buffer.slice(lf + 1);
    if (line[3] !== '-') state.codes.push(Number(line.slice(0, 3)));
  }
  if (state.codes.length === state.want) {
    const resolve = state.resolve;
    state.resolve = undefined;
    resolve(state.codes);
  }
}

async function connection(i) {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  const state = { buffer: '', want: 0, codes: [], resolve: undefined, reject: undefined };
  socket.setEncoding('latin1');
  socket.on('data', (text) => {
    state.buffer += text;
    drain(state);
  });
  socket.on('error', (e) => state.reject?.(e));
  socket.on('close', () => state.reject?.(new Error('closed')));
  await replies(state, 1);
  socket.write('EHLO bench.client\r\n');
  await replies(state, 1);
  let n = 0;
  while (!stop) {
    const rcpt = `u${(i * 97 + n++) % 1000}@example.org`;
    socket.write(`MAIL FROM:<bench@example.net>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\n`);
    const codes = await replies(state, 3);
    if (codes[2] !== 354) {
      errors++;
      socket.write('RSET\r\n');
      await replies(state, 1);
      continue;
    }
    socket.write(payload);
    const [verdict] = await replies(state, 1);
    if (verdict === 250) {
      if (counting) sent++;
    } else errors++;
  }
  socket.end('QUIT\r\n');
}

const all = Array.from({ length: concurrency }, (_, i) => connection(i).catch(() => errors++));
await new Promise((resolve) => setTimeout(resolve, warmupMs));
counting = true;
const cpuStart = process.cpuUsage();
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, measureMs));
counting = false;
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
stop = true;
await Promise.race([Promise.all(all), new Promise((resolve) => setTimeout(resolve, 5000))]);
process.stdout.write(
  `${JSON.stringify({ messages: sent, seconds, errors, cpuMicros: cpu.user + cpu.system })}\n`,
);
process.exit(0);
