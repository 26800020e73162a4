/**
 * Text that generated modules carry into every Lambda bundle (the phone metadata, the portal page) as
 * Brotli at maximum quality in base64: about a third of the size of the same text as a literal. Packing
 * runs only in the generators; a bundle holds just the unpacking, a couple of milliseconds per use.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

export const unpackText = (packed: string): string => brotliDecompressSync(Buffer.from(packed, 'base64')).toString('utf8');

/**
 * The packing of `text`: `previous` as it is when it already unpacks to `text`, since Brotli's output may
 * differ between library (so Node) versions and a generated module must not change for the same content.
 */
export function packText(text: string, previous?: string): string {
  if (previous !== undefined && unpacksTo(previous, text)) return previous;
  const bytes = Buffer.from(text, 'utf8');
  const params = { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length };
  return brotliCompressSync(bytes, { params }).toString('base64');
}

function unpacksTo(packed: string, text: string): boolean {
  try {
    return unpackText(packed) === text;
  } catch {
    return false; // not Brotli at all (an older generated module, or a hand edit)
  }
}
