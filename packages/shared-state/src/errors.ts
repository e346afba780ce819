import { Lvs7Error } from '@lvs7/core';

/** SharedState.connect() was given options it cannot use; lists every problem at once. */
export class InvalidSharedStateOptionsError extends Lvs7Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('LVS7_ERR_SHARED_STATE_OPTIONS', `invalid shared state options: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** A `redis` URL that is neither redis://, rediss://, redis+sentinel:// nor redis+cluster://. */
export class InvalidRedisUrlError extends Lvs7Error {
  constructor(url: string, reason: string) {
    // Never echo credentials: only the scheme and host part go into the message.
    super('LVS7_ERR_REDIS_URL', `invalid Redis URL "${redactUrl(url)}": ${reason}`);
  }
}

/** A message on a shared-state channel that is not what lvs7 publishes (another program, another version). */
export class MalformedSharedMessageError extends Lvs7Error {
  constructor(channel: string, reason: string) {
    super('LVS7_ERR_SHARED_MESSAGE', `ignored a malformed message on ${channel}: ${reason}`);
  }
}

/** The shared state was used after close(). */
export class SharedStateClosedError extends Lvs7Error {
  constructor() {
    super('LVS7_ERR_SHARED_STATE_CLOSED', 'shared state is closed');
  }
}

/** `redis://user:secret@host` → `redis://***@host`. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
