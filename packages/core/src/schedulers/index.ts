// Importing a scheduler file registers it by name (and its aliases).
import './rr.js';
