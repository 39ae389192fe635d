/**
 * Canonical JSON and sha256 for key fingerprints. `vkeyHash` in a bundle is the sha256 (hex) of the
 * canonical JSON of the verification key: object keys sorted at every level, no whitespace, undefined
 * members dropped. Uses WebCrypto (`crypto.subtle`), present in browsers and in Node >= 19, so this
 * module imports nothing from `node:`.
 */

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .sort()
      .filter((k) => record[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
    return `{${entries.join(",")}}`;
  }
  if (typeof value === "bigint") return JSON.stringify(value.toString());
  return JSON.stringify(value);
}

/** sha256 of a UTF-8 string, as 64 lowercase hex digits (WebCrypto). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `vkeyHash` of a verification key: sha256 hex of its canonical JSON. */
export async function vkeyHash(vkey: unknown): Promise<string> {
  return sha256Hex(canonicalJson(vkey));
}
