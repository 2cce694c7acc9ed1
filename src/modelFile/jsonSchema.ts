/**
 * The JSON Schema of model files for editors (`contributes.jsonValidation`, YAML tooling), generated
 * from src/modelFile/schema.ts, the same source as the validator. Two changes make it better to edit with:
 * unions of literals become `enum` (plain completion lists), and `model.layers` items become a `oneOf`
 * over the per-type layer schemas keyed by `type`, so completion offers each layer's own arguments.
 * Fields with a default are not `required` here (the validator fills them in before checking).
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { LAYER_SCHEMAS, LAYER_TYPES, ModelFileSchema } from './schema';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function modelFileJsonSchema(): Record<string, unknown> {
  const root = editorFriendly(JSON.parse(JSON.stringify(ModelFileSchema))) as Json;
  const model = (root.properties as Json).model as Json;
  const layers = (model.properties as Json).layers as Json;
  const typeProperty = editorFriendly(JSON.parse(JSON.stringify(((ModelFileSchema.properties.model.properties.layers.items as Json).properties as Json).type)));
  layers.items = {
    type: 'object',
    description: 'A layer: its `type` and tf.layers arguments (camelCase).',
    required: ['type'],
    properties: { type: typeProperty },
    discriminator: { propertyName: 'type' },
    oneOf: LAYER_TYPES.map((t) => editorFriendly(JSON.parse(JSON.stringify(LAYER_SCHEMAS[t])))),
  };
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...root };
}

/** anyOf of consts → enum; everything else recursively as is. */
function editorFriendly(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(editorFriendly);
  if (!isObj(node)) return node;
  const alts = node.anyOf;
  if (Array.isArray(alts) && alts.length > 0 && alts.every((a) => isObj(a) && 'const' in a)) {
    const { anyOf: _anyOf, ...rest } = node;
    const values = alts.map((a) => (a as Json).const);
    const types = [...new Set(values.map((v) => typeof v))];
    return { ...rest, ...(types.length === 1 && (types[0] === 'string' || types[0] === 'number') ? { type: types[0] === 'number' ? 'number' : 'string' } : {}), enum: values };
  }
  if ('const' in node && !('type' in node) && typeof node.const === 'string') return { ...node, type: 'string' };
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = editorFriendly(v);
  // A field with a default is filled in before checking, so the file need not write it.
  if (Array.isArray(node.required) && isObj(node.properties)) {
    const props = node.properties;
    const required = node.required.filter((k) => !(isObj(props[String(k)]) && 'default' in (props[String(k)] as Json)));
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

/** Written atomically (temp file, fsync, rename): editors may read it while a build runs. */
export function writeSchemaFile(path: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${JSON.stringify(modelFileJsonSchema(), null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
