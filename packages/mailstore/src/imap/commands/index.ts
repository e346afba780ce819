import { APPEND } from './append.js';
import { AUTHENTICATE } from './authenticate.js';
import { CAPABILITY } from './capability.js';
import { CHECK } from './check.js';
import { CLOSE } from './close.js';
import type { ImapCommand } from './command.js';
import { COPY, UID_COPY } from './copy.js';
import { CREATE } from './create.js';
import { DELETE } from './delete.js';
import { EXPUNGE, UID_EXPUNGE } from './expunge.js';
import { FETCH, UID_FETCH } from './fetch.js';
import { ID } from './id.js';
import { IDLE } from './idle.js';
import { LIST } from './list.js';
import { LOGIN } from './login.js';
import { LOGOUT } from './logout.js';
import { LSUB } from './lsub.js';
import { MOVE, UID_MOVE } from './move.js';
import { NAMESPACE } from './namespace.js';
import { NOOP } from './noop.js';
import { RENAME } from './rename.js';
import { SEARCH, UID_SEARCH } from './search.js';
import { EXAMINE, SELECT } from './select.js';
import { STARTTLS } from './starttls.js';
import { STATUS } from './status.js';
import { STORE, UID_STORE } from './store.js';
import { SUBSCRIBE } from './subscribe.js';
import { UNSELECT } from './unselect.js';
import { UNSUBSCRIBE } from './unsubscribe.js';

export type { ImapCommand } from './command.js';

/** Every IMAP command by name (`UID FETCH` for UID forms); anything else is BAD. */
export const COMMANDS: ReadonlyMap<string, ImapCommand> = new Map(
  [
    APPEND,
    AUTHENTICATE,
    CAPABILITY,
    CHECK,
    CLOSE,
    COPY,
    UID_COPY,
    CREATE,
    DELETE,
    EXPUNGE,
    UID_EXPUNGE,
    FETCH,
    UID_FETCH,
    ID,
    IDLE,
    LIST,
    LOGIN,
    LOGOUT,
    LSUB,
    MOVE,
    UID_MOVE,
    NAMESPACE,
    NOOP,
    RENAME,
    SEARCH,
    UID_SEARCH,
    EXAMINE,
    SELECT,
    STARTTLS,
    STATUS,
    STORE,
    UID_STORE,
    SUBSCRIBE,
    UNSELECT,
    UNSUBSCRIBE,
  ].map((command) => [command.name, command]),
);
