/** Access log lines at info level, as every listener offers them: none, 1 session (or request) in 100, or every one. */
export type AccessLogMode = 'off' | 'sampled' | 'full';

export const ACCESS_LOG_MODES: readonly AccessLogMode[] = ['off', 'sampled', 'full'];

/** 0: off; otherwise one session (or request) in this many is logged. */
export function accessLogEvery(mode: AccessLogMode): number {
  return mode === 'full' ? 1 : mode === 'sampled' ? 100 : 0;
}

let counter = 0;

/** Whether the session (or request) at hand is logged. */
export function sampled(every: number): boolean {
  return every !== 0 && (every === 1 || ++counter % every === 0);
}
