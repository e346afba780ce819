/**
 * Every error lvs7 raises on purpose is an Lvs7Error with a stable `code`
 * (as undici's UND_ERR_*), so callers branch on codes, not on messages.
 */
export class Lvs7Error extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class InvalidAddressError extends Lvs7Error {
  constructor(address: string) {
    super('LVS7_ERR_INVALID_ADDRESS', `invalid address "${address}": expected host:port`);
  }
}

export class UnknownSchedulerError extends Lvs7Error {
  constructor(name: string, known: readonly string[]) {
    super('LVS7_ERR_UNKNOWN_SCHEDULER', `unknown scheduler "${name}" (known: ${known.join(', ')})`);
  }
}

export class UnknownHealthCheckError extends Lvs7Error {
  constructor(name: string, known: readonly string[]) {
    super('LVS7_ERR_UNKNOWN_HEALTH_CHECK', `unknown health check "${name}" (known: ${known.join(', ')})`);
  }
}

export class ServerExistsError extends Lvs7Error {
  constructor(pool: string, server: string) {
    super('LVS7_ERR_SERVER_EXISTS', `pool "${pool}" already has a server "${server}"`);
  }
}

export class ServerNotFoundError extends Lvs7Error {
  constructor(pool: string, server: string) {
    super('LVS7_ERR_SERVER_NOT_FOUND', `pool "${pool}" has no server "${server}"`);
  }
}

export class PoolNotFoundError extends Lvs7Error {
  constructor(pool: string) {
    super('LVS7_ERR_POOL_NOT_FOUND', `no pool "${pool}"`);
  }
}

export class InvalidWeightError extends Lvs7Error {
  constructor(weight: unknown) {
    super('LVS7_ERR_INVALID_WEIGHT', `invalid weight ${String(weight)}: expected an integer from 0 to 256`);
  }
}

/** A health probe failed; `reason` is short and safe to show (no secrets). */
export class HealthCheckFailedError extends Lvs7Error {
  constructor(reason: string, options?: ErrorOptions) {
    super('LVS7_ERR_HEALTH_CHECK_FAILED', reason, options);
  }
}

/** A health check (probe or session) option is missing, of the wrong type or out of range. */
export class InvalidHealthCheckOptionError extends Lvs7Error {
  constructor(type: string, option: string, detail: string) {
    super('LVS7_ERR_INVALID_HEALTH_CHECK_OPTION', `health check "${type}": option "${option}": ${detail}`);
  }
}

/** An outlier detection option is of the wrong type or out of range. */
export class InvalidOutlierOptionError extends Lvs7Error {
  constructor(option: string, detail: string) {
    super('LVS7_ERR_INVALID_OUTLIER_OPTION', `outlier detection: option "${option}": ${detail}`);
  }
}
