/**
 * The browser side of the web host transport (see desktop/shared/web-protocol.ts).
 * @module
 */
export { installWebBridge } from './install.js';
export { createWebBridge, type WebBridge, type WebBridgeOptions } from './web-client.js';
