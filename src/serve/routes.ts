/**
 * Request routing: TF Serving's REST API (/v1/models/…) and MLflow's scoring protocol
 * (/invocations, /ping, /health). Every failure becomes a JSON answer with the right status;
 * nothing a client sends can throw past `handle`.
 *
 * Inputs (see instances.ts): by default raw feature values — records, or arrays in feature order
 * (`{"instances": [[5.1, 3.5, 1.4, 0.2]]}` is iris's first row, preprocessing applied). Already
 * encoded numbers only with `"signature_name": "encoded"` (or, for a tabular model, an all-number
 * array whose length is the encoded width and not the raw feature count).
 *
 * Answers, per route:
 * - `POST /v1/models/M[/versions/V]:predict` with `instances` (row format) → `{"predictions": [...]}`,
 *   one entry per instance: regression a bare number (`[3.04]`), classification
 *   `{"label": "setosa", "probabilities": [0.97, 0.02, 0.01], "classes": ["setosa", …]}` — the
 *   probabilities a float array in `classes` order, matching the signature in the metadata.
 * - the same with `inputs` (columnar format) → `{"outputs": ...}`, columnar as TF Serving answers
 *   it: regression `[3.04, …]`, classification `{"label": [...], "probabilities": [[...]], "classes": [[...]]}`.
 * - `:classify` → `{"result": [[[class, score], …], …]}`; `:regress` → `{"result": [number, …]}` (TF Serving's).
 * - `POST /invocations` (MLflow) → `{"predictions": [...]}`: regression bare numbers, classification
 *   `{"label", "probabilities": {class: p}, "classes"}` objects (as `model-studio predict --json`).
 * - errors: TF routes `{"error": message}`, MLflow routes `{"error_code", "message"}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CsvSyntaxError, parseCsvText } from '../engine/data/readers/csv';
import { isRecord } from '../protocol/engine';
import { mlflowRow, tfColumns, tfRow, type ImageDecoder, type Prediction } from './adapter';
import { RequestError } from './errors';
import { mediaType, readBody, sendJson } from './http';
import { checkInstanceCount, columnsToRecords, csvToRecords, encodeInstances, signatureOf, splitFrameToRecords, type EncodeOptions } from './instances';
import { deepestNesting } from '../modelFile/parse';
import { limit, limitHint } from '../limits';
import { metadata, versionStatus } from './metadata';
import type { ServedVersion } from './models';

export interface RouteContext {
  name: string;
  versions: ServedVersion[];
  defaultVersion: number;
  maxBodyBytes: number;
  /** most instances in one request (413 above) */
  maxInstances: number;
  /** image decoding off the event loop (worker threads) */
  decodeImage?: ImageDecoder;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

type Flavor = 'tf' | 'mlflow';

class MethodError extends RequestError {
  constructor(readonly allow: string, method: string, path: string) {
    super(`${method} is not allowed on ${path}; use ${allow}`, 405);
  }
}

/** Content types read as JSON: curl -d sends x-www-form-urlencoded, and TF Serving's own examples rely on that. */
const JSON_TYPES = new Set(['', 'application/json', 'text/json', 'application/x-www-form-urlencoded', 'text/plain']);

const MLFLOW_CODES: Record<number, string> = { 400: 'BAD_REQUEST', 404: 'RESOURCE_DOES_NOT_EXIST', 405: 'BAD_REQUEST', 408: 'BAD_REQUEST', 413: 'BAD_REQUEST', 415: 'BAD_REQUEST', 501: 'NOT_IMPLEMENTED' };

function sendError(res: ServerResponse, flavor: Flavor, err: unknown, log: RouteContext['log']): void {
  const status = err instanceof RequestError ? err.status : 500;
  const message = err instanceof Error ? err.message : String(err);
  if (status >= 500) log('error', `request failed: ${err instanceof Error && err.stack ? err.stack : message}`);
  const headers: Record<string, string> = {};
  if (err instanceof MethodError) headers.Allow = err.allow;
  // After 413 the rest of the body is not read: close the connection rather than reuse it.
  if (status === 413) headers.Connection = 'close';
  const body = flavor === 'mlflow' ? { error_code: MLFLOW_CODES[status] ?? 'INTERNAL_ERROR', message } : { error: message };
  sendJson(res, status, body, headers);
}

async function readJson(req: IncomingMessage, ctx: RouteContext, extraTypes: string[] = []): Promise<{ json: unknown } | { csv: string }> {
  const type = mediaType(req);
  if (!JSON_TYPES.has(type) && !extraTypes.includes(type)) {
    throw new RequestError(`unsupported content type '${type}'; send application/json${extraTypes.length ? ` or ${extraTypes.join(' or ')}` : ''}`, 415);
  }
  const body = await readBody(req, ctx.maxBodyBytes);
  const text = body.toString('utf8');
  if (type === 'text/csv') return { csv: text };
  if (text.trim() === '') throw new RequestError('the request body is empty; send a JSON object');
  const maxDepth = limit('nestingDepth');
  if (deepestNesting(text, maxDepth)) {
    throw new RequestError(`the request body nests arrays and objects more than ${maxDepth} levels deep; an instance needs a few (${limitHint('nestingDepth', maxDepth)})`);
  }
  try {
    return { json: JSON.parse(text) as unknown };
  } catch (err) {
    throw new RequestError(`the request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const encodeOptions = (ctx: RouteContext): EncodeOptions => ({ maxInstances: ctx.maxInstances, decodeImage: ctx.decodeImage });

function pickVersion(ctx: RouteContext, requested: string | undefined): ServedVersion {
  const want = requested === undefined ? ctx.defaultVersion : Number(requested);
  const v = ctx.versions.find((x) => x.version === want);
  if (!v) {
    throw new RequestError(`model '${ctx.name}' has no version ${requested}; versions: ${ctx.versions.map((x) => x.version).join(', ')}`, 404);
  }
  return v;
}

// ---------------------------------------------------------------- TF Serving

const TF_PATH = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+))?(\/metadata)?(?::(predict|classify|regress))?$/;

async function tfServing(req: IncomingMessage, res: ServerResponse, ctx: RouteContext, m: RegExpExecArray, path: string): Promise<void> {
  const [, rawName, versionText, meta, verb] = m;
  let name = rawName;
  try { name = decodeURIComponent(rawName); } catch { /* a malformed %-escape: keep it as sent; it matches no model */ }
  if (name !== ctx.name) throw new RequestError(`model '${name}' not found; this server serves '${ctx.name}'`, 404);
  if (versionText !== undefined && !/^\d+$/.test(versionText)) throw new RequestError(`version '${versionText}' is not a number`, 404);
  const v = pickVersion(ctx, versionText);
  if (meta && verb) throw new RequestError(`unknown path ${path}`, 404);
  if (!verb) {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodError('GET', req.method ?? '?', path);
    sendJson(res, 200, meta ? metadata(ctx.name, v) : versionStatus(versionText === undefined ? ctx.versions : [v]));
    return;
  }
  if (req.method !== 'POST') throw new MethodError('POST', req.method ?? '?', path);
  const { json } = (await readJson(req, ctx)) as { json: unknown };
  if (!isRecord(json)) throw new RequestError('the request body must be a JSON object, e.g. {"instances": [...]}');
  const enc = v.prep;

  const signature = signatureOf(json);

  if (verb === 'predict') {
    const hasInstances = 'instances' in json;
    const hasInputs = 'inputs' in json;
    if (hasInstances && hasInputs) throw new RequestError("send either 'instances' (row format) or 'inputs' (columnar format), not both");
    if (!hasInstances && !hasInputs) throw new RequestError(`the request needs 'instances' (row format) or 'inputs' (columnar format); got keys: ${Object.keys(json).join(', ') || 'none'}`);
    if (hasInstances) {
      if (!Array.isArray(json.instances)) throw new RequestError("'instances' must be an array, one entry per example");
      const predictions = await v.predict(await encodeInstances(enc, json.instances, 'instances', signature, encodeOptions(ctx)), 'instances');
      sendJson(res, 200, { predictions: predictions.map(tfRow) });
      return;
    }
    const inputs = json.inputs;
    let rows: unknown[] | null;
    if (signature === 'encoded') {
      // The encoded signature has one input, named "encoded": its value is the batch.
      if (isRecord(inputs) && Object.keys(inputs).some((k) => k !== 'encoded')) {
        throw new RequestError(`signature "encoded" has one input, 'encoded'; got 'inputs' keys: ${Object.keys(inputs).join(', ')}`);
      }
      const batch = isRecord(inputs) ? inputs.encoded : inputs;
      rows = Array.isArray(batch) ? batch : null;
      if (!rows) throw new RequestError('with signature "encoded", \'inputs\' must be an array of encoded rows (or {"encoded": [...]})');
    } else {
      rows = Array.isArray(inputs) ? inputs : isRecord(inputs) ? columnsToRecords(inputs, 'inputs', ctx.maxInstances) : null;
      if (!rows) throw new RequestError("'inputs' must be an object of feature → array of values, or an array");
    }
    sendJson(res, 200, { outputs: tfColumns(await v.predict(await encodeInstances(enc, rows, 'inputs', signature, encodeOptions(ctx)), 'inputs')) });
    return;
  }

  if (signature !== 'serving_default') throw new RequestError(`:${verb} takes records of raw feature values; signature "${signature}" works with :predict only`);
  // classify / regress: {"examples": [...], "context": {...}} → {"result": ...}
  if (!Array.isArray(json.examples)) throw new RequestError("'examples' must be an array of records");
  checkInstanceCount(json.examples.length, 'examples', ctx.maxInstances);
  const context = json.context === undefined ? {} : json.context;
  if (!isRecord(context)) throw new RequestError("'context' must be an object of feature → value shared by every example");
  const examples = json.examples.map((e, i) => {
    if (!isRecord(e)) throw new RequestError(`examples[${i}] must be a record {feature: value}`);
    return { ...context, ...e };
  });
  if (verb === 'classify' && v.prep.task !== 'classification') throw new RequestError(`model '${ctx.name}' is a regression model; use :regress or :predict`);
  if (verb === 'regress' && v.prep.task !== 'regression') throw new RequestError(`model '${ctx.name}' is a classification model; use :classify or :predict`);
  const predictions = await v.predict(await encodeInstances(enc, examples, 'examples', 'serving_default', encodeOptions(ctx)), 'examples');
  const result = predictions.map((p) => ('value' in p ? p.value : p.classes.map((c) => [c, p.probabilities[c]])));
  sendJson(res, 200, { result });
}

// ---------------------------------------------------------------- MLflow

async function invocations(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
  if (req.method !== 'POST') throw new MethodError('POST', req.method ?? '?', '/invocations');
  const v = pickVersion(ctx, undefined);
  const enc = v.prep;
  const body = await readJson(req, ctx, ['text/csv']);
  let predictions: Prediction[];
  if ('csv' in body) {
    // The training pipeline's CSV reader: the same quoting and delimiter rule, and in a ';' body numbers
    // with a decimal comma read as the training file's did.
    let parsed: ReturnType<typeof parseCsvText>;
    try {
      parsed = parseCsvText(body.csv);
    } catch (err) {
      if (err instanceof CsvSyntaxError) throw new RequestError(`CSV line ${err.row}: ${err.message}`);
      throw err;
    }
    predictions = await v.predict(await encodeInstances(enc, csvToRecords(parsed.rows, v.prep, ctx.maxInstances), 'csv rows', 'serving_default',
      { ...encodeOptions(ctx), decimalComma: parsed.delimiter === ';' }), 'csv rows');
  } else {
    let json = body.json;
    // MLflow 1.x: a bare frame, its orientation in the content type (format=pandas-split / pandas-records).
    const format = /format=([\w-]+)/.exec(String(req.headers['content-type']))?.[1];
    if (Array.isArray(json)) json = { dataframe_records: json };
    else if (isRecord(json) && (format === 'pandas-split' || ('columns' in json && 'data' in json && !('dataframe_split' in json)))) json = { dataframe_split: json };
    if (!isRecord(json)) throw new RequestError('the request body must be a JSON object with one of dataframe_split, dataframe_records, instances, inputs');
    const keys = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'].filter((k) => k in json);
    if (keys.length !== 1) {
      throw new RequestError(keys.length ? `send only one of ${keys.join(', ')}` : `the request needs one of dataframe_split, dataframe_records, instances, inputs; got keys: ${Object.keys(json).join(', ') || 'none'}`);
    }
    const key = keys[0];
    const value = json[key];
    const signature = signatureOf(json);
    if (signature === 'encoded' && key.startsWith('dataframe')) {
      throw new RequestError(`signature "encoded" takes 'instances' or 'inputs' (arrays of encoded numbers), not '${key}'`);
    }
    let rows: unknown[];
    if (key === 'dataframe_split') rows = splitFrameToRecords(value, key, v.prep.features.map((f) => f.name), ctx.maxInstances);
    else if (Array.isArray(value)) rows = value;
    else if (key === 'inputs' && isRecord(value) && signature === 'serving_default') rows = columnsToRecords(value, key, ctx.maxInstances);
    else if (key === 'inputs' && isRecord(value) && Array.isArray(value.encoded) && Object.keys(value).length === 1) rows = value.encoded;
    else throw new RequestError(`'${key}' must be an array${key === 'inputs' ? ` or an object of ${signature === 'encoded' ? '{"encoded": [...]}' : 'feature → array'}` : ''}`);
    predictions = await v.predict(await encodeInstances(enc, rows, key, signature, encodeOptions(ctx)), key);
  }
  sendJson(res, 200, { predictions: predictions.map(mlflowRow) });
}

// ---------------------------------------------------------------- entry

export async function handle(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
  let path = '/';
  let flavor: Flavor = 'tf';
  try {
    path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/invocations' || path === '/ping' || path === '/health') flavor = 'mlflow';
    const tf = TF_PATH.exec(path);
    if (tf) return await tfServing(req, res, ctx, tf, path);
    if (path === '/invocations') return await invocations(req, res, ctx);
    if (path === '/ping' || path === '/health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodError('GET', req.method ?? '?', path);
      return sendJson(res, 200, { status: 'ok' });
    }
    if (path === '/' || path === '/v1/models' || path === '/v1/models/') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodError('GET', req.method ?? '?', path);
      return sendJson(res, 200, {
        model: ctx.name,
        versions: ctx.versions.map((v) => v.version),
        default_version: ctx.defaultVersion,
        endpoints: [`GET /v1/models/${ctx.name}`, `GET /v1/models/${ctx.name}/metadata`, `POST /v1/models/${ctx.name}:predict`, `POST /v1/models/${ctx.name}/versions/{v}:predict`, 'POST /invocations', 'GET /ping', 'GET /health'],
      });
    }
    throw new RequestError(`unknown path ${path}; try GET /v1/models/${ctx.name} or POST /v1/models/${ctx.name}:predict`, 404);
  } catch (err) {
    sendError(res, flavor, err, ctx.log);
  }
}
