/** POP3 session states (RFC 1939 3). */
export enum Pop3State {
  Authorization = 'AUTHORIZATION',
  Transaction = 'TRANSACTION',
  Update = 'UPDATE',
}

export interface Pop3Message {
  readonly uid: number;
  readonly size: number;
  deleted: boolean;
}
