/**
 * Finds the first key that appears twice in one object of an already valid JSON text, or null.
 * JSON.parse silently keeps the last duplicate while other parsers keep the first, so a hostile
 * sender could show different manifests to different implementations; SPEC.md §7 forbids them.
 * @example
 * findDuplicateKey('{"a":1,"a":2}') // 'a'
 */
export function findDuplicateKey(json: string): string | null {
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    const top = stack.at(-1);
    if (c === '{') stack.push({ keys: new Set(), expectKey: true });
    else if (c === '[') stack.push({ keys: null, expectKey: false });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && top?.keys) top.expectKey = true;
    else if (c === ':' && top) top.expectKey = false;
    else if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (top?.keys && top.expectKey) {
        // Decoding the token makes "a" and "\u0061" the same key, as they are.
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
      }
      i = end;
    }
  }
  return null;
}
