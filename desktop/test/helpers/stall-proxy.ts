import type { ServerResponse } from 'node:http';
import { forwardTo, listenLoopback } from './http-proxy.js';

/**
 * A streaming HTTP proxy in front of the relay that can hold part uploads: with `stallFromPart`
 * set, `PUT .../parts/:n` for n >= that number is swallowed (never answered), so a sender is
 * caught mid-upload at a known point and can be killed there.
 */
export interface StallProxy {
  url: string;
  /** Parts numbered at least this are held (null: forward everything). */
  stallFromPart: number | null;
  /** Part numbers the relay answered 2xx for, in order. */
  readonly forwardedParts: number[];
  /** How many part uploads are being held. */
  held(): number;
  /** Drops every held request (their connections are closed). */
  dropHeld(): void;
  close(): Promise<void>;
}

const PART = /^\/api\/transfers\/upload\/[^/]+\/parts\/(\d+)$/u;

export async function startStallProxy(target: string): Promise<StallProxy> {
  const upstream = new URL(target);
  const heldResponses = new Set<ServerResponse>();
  const state: { stallFromPart: number | null; forwardedParts: number[] } = {
    stallFromPart: null,
    forwardedParts: [],
  };
  const proxy = await listenLoopback((req, res) => {
    const match = req.method === 'PUT' ? PART.exec(req.url ?? '') : null;
    const part = match?.[1] === undefined ? null : Number(match[1]);
    if (part !== null && state.stallFromPart !== null && part >= state.stallFromPart) {
      heldResponses.add(res);
      req.resume(); // read and discard the body; never answer
      res.on('close', () => heldResponses.delete(res));
      return;
    }
    forwardTo(upstream, req, res, (answer) => {
      if (part !== null && (answer.statusCode ?? 500) < 300) state.forwardedParts.push(part);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
  });
  return {
    url: proxy.url,
    get stallFromPart() {
      return state.stallFromPart;
    },
    set stallFromPart(value: number | null) {
      state.stallFromPart = value;
    },
    forwardedParts: state.forwardedParts,
    held: () => heldResponses.size,
    dropHeld: () => {
      for (const res of heldResponses) res.destroy();
      heldResponses.clear();
    },
    close: () => {
      for (const res of heldResponses) res.destroy();
      return proxy.close();
    },
  };
}
