/**
 * The CLI's get/put entry points (kept for existing callers): the transfer engine does the work.
 */
export { download, upload, type TransferOptions as TreeTransferOptions, type TransferResult as TreeTransferResult } from './engine';
export { ALWAYS_IGNORED } from './ignore';
