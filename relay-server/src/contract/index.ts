// The API contract shared with clients: import from '@datacrypt/relay-server/contract'.
export * from './errors.js';
export * from './events.js';
export * from './realtime.js';
export * from './routes.js';
export * from './schemas.js';
