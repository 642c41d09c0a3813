/**
 * The DataCrypt IPC contract (renderer <-> Electron main / web host). No Node, no Electron, no DOM.
 * @module
 */
export * from './dto.js';
export * from './contract.js';
export * from './api.js';
export * from './validate.js';
export * from './web-protocol.js';
