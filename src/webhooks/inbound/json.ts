/**
 * JSON.parse that keeps integers beyond 2^53 exact: Shopify ids (820982911946154508) lose their last
 * digits as JS numbers, and Node 20's reviver cannot see the source text. One pass over the text
 * quotes every integer literal outside a string that is not a safe integer; JSON.parse does the rest
 * (and still rejects anything malformed). Safe integers and decimals stay numbers.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text));
}

const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 34 /* " */) {
      i++;
      while (i < text.length && text.charCodeAt(i) !== 34) i += text.charCodeAt(i) === 92 /* \ */ ? 2 : 1;
      i++;
      continue;
    }
    if (ch === 45 /* - */ || (ch >= 48 && ch <= 57)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) {
        i++;
        continue;
      }
      const literal = m[0];
      // Only well-formed integers: quoting "0123..." would turn invalid JSON into a valid string.
      if (!m[1] && !m[2] && /^-?[1-9]/.test(literal) && !Number.isSafeInteger(Number(literal))) {
        out += `${text.slice(copied, i)}"${literal}"`;
        copied = i + literal.length;
      }
      i += literal.length;
      continue;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** An id as the platform sent it (number or string), as an exact string; undefined when absent. */
export function idString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}
