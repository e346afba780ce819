import { Lvs7Error } from '@lvs7/core';

/**
 * The ICP package's error catalogue. Decoding never throws (malformed
 * datagrams are dropped and counted); these are for the caller's mistakes
 * and for a closed socket.
 */

/** A message cannot be encoded: URL with a NUL, too large, or the buffer is too small. */
export class IcpEncodeError extends Lvs7Error {
  constructor(detail: string) {
    super('LVS7_ERR_ICP_ENCODE', `cannot encode ICP message: ${detail}`);
  }
}

/** A peer, access list entry or option is invalid. */
export class InvalidIcpOptionError extends Lvs7Error {
  constructor(option: string, detail: string) {
    super('LVS7_ERR_ICP_INVALID_OPTION', `ICP: option "${option}": ${detail}`);
  }
}

/** The IcpSocket was closed before (or while) a query was sent. */
export class IcpSocketClosedError extends Lvs7Error {
  constructor() {
    super('LVS7_ERR_ICP_SOCKET_CLOSED', 'ICP socket is closed');
  }
}

/** A second client or responder tried to attach to a socket that already has one. */
export class IcpHandlerTakenError extends Lvs7Error {
  constructor(role: 'client' | 'responder') {
    super('LVS7_ERR_ICP_HANDLER_TAKEN', `this ICP socket already has a ${role}`);
  }
}
