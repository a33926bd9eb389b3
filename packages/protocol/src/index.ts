/**
 * What the server and the web page share: the WebSocket messages (`messages.ts`, validated by
 * `validate.ts`), the HTTP bodies and replies (`http.ts`) and the error codes (`errors.ts`).
 * Browser-safe: no Node built-ins.
 */
export * from './errors';
export * from './headers';
export * from './http';
export * from './messages';
export * from './validate';
export * from './placeholders';
export * from './replay';
export * from './timedChunks';
