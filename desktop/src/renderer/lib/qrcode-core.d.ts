// Types for the canvas-free core of the `qrcode` package (the encoder only), which vite.config.ts
// aliases as `qrcode-encoder`. The renderer draws the
// matrix itself as SVG, so no canvas, no data: URL and no inline style are needed.
declare module 'qrcode-encoder' {
  interface BitMatrix {
    readonly size: number;
    get(row: number, col: number): boolean | number;
  }
  interface QrCode {
    readonly modules: BitMatrix;
  }
  export function create(
    text: string,
    options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' },
  ): QrCode;
}
