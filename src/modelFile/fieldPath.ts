/**
 * Field paths as people read them: `train.optimizer.type`, `model.layers[2].units`,
 * `data.columns["petal width"].type`. Segments are keys (string) or list indexes (number).
 */
export type Segment = string | number;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENT.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** The inverse of formatPath; also accepts JSON pointers (`/train/epochs`) as TypeBox reports them. */
export function parsePath(path: string): Segment[] {
  if (path.startsWith('/')) return pointerSegments(path);
  const out: Segment[] = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length && (m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/** JSON pointer (RFC 6901) → segments; all-digit parts become list indexes. */
export function pointerSegments(pointer: string): Segment[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer.slice(1).split('/').map((raw) => {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^(0|[1-9]\d*)$/.test(part) ? Number(part) : part;
  });
}
