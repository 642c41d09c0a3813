import { create } from 'qrcode-encoder';
import { useMemo } from 'react';

/** Props of QrCode. */
export interface QrCodeProps {
  /** The text to encode. */
  value: string;
  /** Accessible name of the image. */
  label: string;
  testId?: string;
}

/** SVG path of all dark modules, one unit square per module, offset by the quiet zone. */
function modulesPath(value: string, quiet: number): { d: string; size: number } {
  const { modules } = create(value, { errorCorrectionLevel: 'M' });
  let d = '';
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.get(row, col)) d += `M${col + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  return { d, size: modules.size + 2 * quiet };
}

/**
 * A QR code drawn as inline SVG (no canvas, no data: URL, CSP-friendly).
 * @example
 * <QrCode value={detail.safetyNumber.qrPayload} label="QR code of the safety number" />
 */
export function QrCode({ value, label, testId }: QrCodeProps) {
  const { d, size } = useMemo(() => modulesPath(value, 4), [value]);
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      data-testid={testId}
      viewBox={`0 0 ${size} ${size}`}
      shapeRendering="crispEdges"
    >
      <rect width={size} height={size} fill="#ffffff" />
      <path d={d} fill="#000000" />
    </svg>
  );
}
