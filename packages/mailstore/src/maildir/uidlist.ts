import { randomBytes } from 'node:crypto';
import { CorruptUidListError } from '../errors.js';

/**
 * The `dovecot-uidlist` file (version 3), so a real Dovecot on the same
 * storage sees the same UIDs:
 *
 *     3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1
 *     1 :1275660208.M1P2.host,S=120,W=123
 *     2 W2091 :1275660209.M5P2.host,S=2047:2,S
 *
 * Header: version, then `<key><value>` fields (V uidvalidity, N next uid,
 * G mailbox GUID). Records: uid, optional fields, `:` and the last known file
 * name (matched on its base, the part before the info `:`).
 */
export const UIDLIST_FILE = 'dovecot-uidlist';

export interface UidRecord {
  readonly uid: number;
  /** Base name (before `:`): the message's identity in the Maildir. */
  readonly base: string;
  /** The last known full file name. */
  readonly filename: string;
  /** Extension fields as written (`W2091`), kept for Dovecot. */
  readonly extensions: string;
}

export interface UidList {
  readonly uidValidity: number;
  readonly nextUid: number;
  /** 32 hex digits. */
  readonly guid: string;
  /** Header fields other than V, N, G, kept as written. */
  readonly extraHeader: readonly string[];
  /** Ascending by uid. */
  readonly records: readonly UidRecord[];
}

/** A fresh list: UIDVALIDITY from the clock, unless a higher one must be kept. */
export function emptyUidList(uidValidity = Math.floor(Date.now() / 1000)): UidList {
  return { uidValidity, nextUid: 1, guid: randomBytes(16).toString('hex'), extraHeader: [], records: [] };
}

export function parseUidList(text: string, path = UIDLIST_FILE): UidList {
  const lines = text.split('\n');
  const header = lines[0]?.trim().split(/\s+/) ?? [];
  // A torn write never reaches readers (the file is replaced by rename), but
  // a trailing line without newline is not trusted all the same.
  if (text.length > 0 && !text.endsWith('\n')) lines[lines.length - 1] = '';
  let uidValidity = 0;
  let nextUid = 1;
  let guid = '';
  const extraHeader: string[] = [];
  if (header[0] === '1') {
    uidValidity = Number(header[1]);
    nextUid = Number(header[2]);
  } else if (header[0] === '3') {
    for (const field of header.slice(1)) {
      const key = field[0];
      const value = field.slice(1);
      if (key === 'V') uidValidity = Number(value);
      else if (key === 'N') nextUid = Number(value);
      else if (key === 'G') guid = value;
      else extraHeader.push(field);
    }
  } else {
    throw new CorruptUidListError(path, 1, `unsupported uidlist version "${header[0] ?? ''}"`);
  }
  if (!Number.isInteger(uidValidity) || uidValidity <= 0) {
    throw new CorruptUidListError(path, 1, 'missing or invalid UIDVALIDITY');
  }
  const records: UidRecord[] = [];
  let lastUid = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const record = parseRecord(line, header[0] === '1');
    if (record === undefined || record.uid <= lastUid) {
      throw new CorruptUidListError(path, i + 1, `bad record "${line.slice(0, 80)}"`);
    }
    records.push(record);
    lastUid = record.uid;
  }
  if (!Number.isInteger(nextUid) || nextUid <= lastUid) nextUid = lastUid + 1;
  return { uidValidity, nextUid, guid: guid || randomBytes(16).toString('hex'), extraHeader, records };
}

function parseRecord(line: string, v1: boolean): UidRecord | undefined {
  const space = line.indexOf(' ');
  if (space <= 0) return undefined;
  const uid = Number(line.slice(0, space));
  if (!Number.isInteger(uid) || uid <= 0) return undefined;
  let rest = line.slice(space + 1);
  let extensions = '';
  if (!v1) {
    // v3: optional fields, then " :" and the file name (which may contain ':').
    const marker = rest.startsWith(':') ? 0 : rest.indexOf(' :');
    if (marker < 0) return undefined;
    extensions = rest.slice(0, marker).trim();
    rest = rest.slice(marker === 0 ? 1 : marker + 2);
  }
  const filename = rest.trim();
  if (filename === '') return undefined;
  const colon = filename.indexOf(':');
  return { uid, base: colon < 0 ? filename : filename.slice(0, colon), filename, extensions };
}

export function serializeUidList(list: UidList): string {
  const header = ['3', `V${list.uidValidity}`, `N${list.nextUid}`, `G${list.guid}`, ...list.extraHeader].join(
    ' ',
  );
  let out = `${header}\n`;
  for (const record of list.records) {
    out += record.extensions
      ? `${record.uid} ${record.extensions} :${record.filename}\n`
      : `${record.uid} :${record.filename}\n`;
  }
  return out;
}

/** Adds records for `filenames` (whose bases are not listed yet) with the next uids, in the given order. */
export function appendRecords(
  list: UidList,
  filenames: readonly string[],
): { list: UidList; added: UidRecord[] } {
  const known = new Set(list.records.map((r) => r.base));
  let nextUid = list.nextUid;
  const added: UidRecord[] = [];
  for (const filename of filenames) {
    const colon = filename.indexOf(':');
    const base = colon < 0 ? filename : filename.slice(0, colon);
    if (known.has(base)) continue;
    known.add(base);
    added.push({ uid: nextUid++, base, filename, extensions: '' });
  }
  return { list: { ...list, nextUid, records: [...list.records, ...added] }, added };
}

/** Drops records whose base is in `bases` (expunged messages). */
export function removeRecords(list: UidList, bases: ReadonlySet<string>): UidList {
  return { ...list, records: list.records.filter((r) => !bases.has(r.base)) };
}
