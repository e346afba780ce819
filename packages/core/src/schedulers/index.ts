// Importing a scheduler file registers it by name (and its aliases).
import './rr.js';
import './wrr.js';
import './lc.js';
import './wlc.js';
import './sed.js';
import './nq.js';
import './lblc.js';
import './lblcr.js';
import './dh.js';
import './sh.js';
import './mh.js';
import './ring.js';
import './bounded.js';
import './p2c.js';
import './fo.js';
import './ovf.js';
import './random.js';
