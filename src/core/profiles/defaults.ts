/**
 * Every profile default, in one home without the validator's weight (the transports need them too).
 * schemas/profile.schema.json and package.json's settings repeat them for editors:
 * test/unit/defaults.test.ts checks they agree.
 */
import type { Protocol } from './types';

/** The port when a profile or URL names none. */
export const DEFAULT_PORTS: Readonly<Record<Protocol, number>> = { sftp: 22, ftpes: 21, ftps: 990 };

/** Seconds to wait for the connection and the server's greeting (profile `connectTimeout`). */
export const DEFAULT_CONNECT_TIMEOUT = 20;
/** Seconds one protocol request, or a transfer's next bytes, may take (profile `requestTimeout`). */
export const DEFAULT_REQUEST_TIMEOUT = 30;
