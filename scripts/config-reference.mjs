// Prints the configuration reference generated from the schema (after a build).
import { configReference } from '../packages/config/dist/index.js';

process.stdout.write(configReference());
