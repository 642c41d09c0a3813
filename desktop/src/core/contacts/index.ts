/**
 * Contacts and trust: pinned keys, safety numbers, key changes, sender checks.
 * @module
 */
export * from './errors.js';
export * from './publication.js';
export * from './contacts.js';
export * from './incoming.js';
