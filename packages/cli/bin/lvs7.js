#!/usr/bin/env node
const fail = (err) => {
  process.stderr.write(`lvs7: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
};

// ExaBGP respawns `lvs7 bgp-announcer` and keeps a dead one's routes until the
// new one speaks: it skips the rest of the CLI (commander and every package)
// and starts in a fraction of the time. Help and bad arguments go the long way.
const announcer =
  process.argv[2] === 'bgp-announcer' &&
  (await import('../dist/commands/bgp-announcer.js').then(
    (m) => ({ m, options: m.parseBgpAnnouncerArgs(process.argv.slice(3)) }),
    fail,
  ));
if (announcer?.options) {
  announcer.m.bgpAnnouncerCommand(announcer.options).catch(fail);
} else {
  const { main } = await import('../dist/main.js');
  main(process.argv).catch(fail);
}
