/**
 * Content detection: a file is a Pegasus server config when one of its first section headers is
 * `[meta_server]`, `[replication]` or `[apps.meta]`. Only the head of the file is read.
 */
const MARKER_RE = /^[ \t]*\[[ \t]*(?:meta_server|replication|apps\.meta)[ \t]*\][ \t]*(?:[#;].*)?$/m;

export function looksLikePegasusConfig(text: string, maxChars = 64 * 1024): boolean {
  return MARKER_RE.test(text.length > maxChars ? text.slice(0, maxChars) : text);
}

/** File names the extension claims by pattern (package.json `filenamePatterns` say the same). */
export const CONFIG_FILENAME_PATTERNS: readonly string[] = ['**/*.pegasus.ini', '**/pegasus*.ini', '**/pegasus/**/config*.ini'];
