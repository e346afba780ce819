#!/usr/bin/env node
// Load generator for the mail benchmark; prints one JSON line.
//   node load.mjs imap-login PORT SECONDS CONCURRENCY USERS PASSWORD
//   node load.mjs pop3-login PORT SECONDS CONCURRENCY USERS PASSWORD
//   node load.mjs imap-fetch PORT SECONDS CONCURRENCY USER PASSWORD
// imap-login: LOGIN + SELECT INBOX + LOGOUT per connection; pop3-login:
// USER + PASS + STAT + QUIT; imap-fetch: one session per worker repeating
// FETCH 1:* BODY.PEEK[] (bytes counted until the tagged OK).
import net from 'node:net';

const [mode, portText, secondsText, concurrencyText, users, password] = process.argv.slice(2);
const port = Number(portText);
const deadline = Date.now() + Number(secondsText) * 1000;
const concurrency = Number(concurrencyText);

/** A connection that resolves `waitFor(pattern)` once the received text matches. */
function open() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let text = '';
    let bytes = 0;
    let waiter;
    socket.on('data', (chunk) => {
      bytes += chunk.length;
      text += chunk.toString('latin1');
      if (waiter?.pattern.test(text)) {
        const w = waiter;
        waiter = undefined;
        text = '';
        w.resolve();
        return;
      }
      // Patterns are single lines: only the incomplete last line is kept.
      text = text.slice(text.lastIndexOf('\n') + 1);
    });
    socket.on('error', (e) => (waiter ? waiter.reject(e) : undefined));
    socket.on('close', () => waiter?.reject(new Error('closed')));
    const conn = {
      socket,
      get bytes() {
        return bytes;
      },
      waitFor(pattern) {
        if (pattern.test(text)) {
          text = '';
          return Promise.resolve();
        }
        return new Promise((res, rej) => {
          const timer = setTimeout(() => {
            waiter = undefined;
            rej(new Error(`timeout waiting for ${pattern}`));
          }, 10_000);
          waiter = {
            pattern,
            resolve: () => {
              clearTimeout(timer);
              res();
            },
            reject: (e) => {
              clearTimeout(timer);
              rej(e);
            },
          };
        });
      },
      send(line) {
        socket.write(`${line}\r\n`);
      },
    };
    socket.once('connect', () => resolve(conn));
    socket.once('error', reject);
  });
}

let count = 0;
let bytes = 0;
let errors = 0;
const user = (i) =>
  users.includes(',') ? users.split(',')[i % users.split(',').length] : `${users}${i % 100}`;

async function imapLogin(worker) {
  for (let i = worker; Date.now() < deadline; i += concurrency) {
    const c = await open();
    await c.waitFor(/^\* OK.*\r\n/m);
    c.send(`a LOGIN ${user(i)} ${password}`);
    await c.waitFor(/^a OK.*\r\n/m);
    c.send('b SELECT INBOX');
    await c.waitFor(/^b OK.*\r\n/m);
    c.send('c LOGOUT');
    await c.waitFor(/^c OK.*\r\n/m);
    c.socket.destroy();
    count++;
  }
}

async function pop3Login(worker) {
  for (let i = worker; Date.now() < deadline; i += concurrency) {
    const c = await open();
    await c.waitFor(/^\+OK.*\r\n/m);
    c.send(`USER ${user(i)}`);
    await c.waitFor(/^\+OK.*\r\n/m);
    c.send(`PASS ${password}`);
    await c.waitFor(/^\+OK.*\r\n/m);
    c.send('STAT');
    await c.waitFor(/^\+OK \d+ \d+\r\n/m);
    c.send('QUIT');
    await c.waitFor(/^\+OK.*\r\n/m);
    c.socket.destroy();
    count++;
  }
}

async function imapFetch() {
  const c = await open();
  await c.waitFor(/^\* OK.*\r\n/m);
  c.send(`a LOGIN ${users} ${password}`);
  await c.waitFor(/^a OK.*\r\n/m);
  c.send('b EXAMINE INBOX');
  await c.waitFor(/^b OK.*\r\n/m);
  for (let n = 0; Date.now() < deadline; n++) {
    const before = c.bytes;
    c.send(`zf${n} FETCH 1:* BODY.PEEK[]`);
    await c.waitFor(new RegExp(`^zf${n} OK.*\\r\\n`, 'm'));
    bytes += c.bytes - before;
    count++;
  }
  c.socket.destroy();
}

const started = Date.now();
const run = mode === 'imap-login' ? imapLogin : mode === 'pop3-login' ? pop3Login : imapFetch;
await Promise.all(
  Array.from({ length: concurrency }, (_, w) =>
    run(w).catch((e) => {
      errors++;
      process.stderr.write(`${e.message}\n`);
    }),
  ),
);
const seconds = (Date.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ mode, count, perSecond: count / seconds, mbPerSecond: bytes / seconds / 1e6, errors })}\n`,
);
process.exit(0);
