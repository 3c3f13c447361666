/** Profile defaults that the transports need too: one home, without the validator's weight. */

/** Seconds to wait for the connection and the server's greeting (profile `connectTimeout`). */
export const DEFAULT_CONNECT_TIMEOUT = 20;
/** Seconds one protocol request, or a transfer's next bytes, may take (profile `requestTimeout`). */
export const DEFAULT_REQUEST_TIMEOUT = 30;
