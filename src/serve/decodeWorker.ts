/**
 * A worker thread that decodes images for the model server (dist/decode-worker.js): base64 → PNG/JPEG →
 * resized, scaled floats, off the server's event loop, so a large image never keeps `/ping` waiting.
 * Messages: {id, transform, bytes} → {id, x} (transferred) or {id, error, name}.
 */
import { parentPort } from 'node:worker_threads';
import { decodeImageForModel, type ImageTransform } from '../engine/data/image';

export interface DecodeRequest {
  id: number;
  transform: ImageTransform;
  bytes: Uint8Array;
}

export type DecodeReply = { id: number; x: Float32Array } | { id: number; error: string; name: string };

parentPort?.on('message', (m: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    const x = decodeImageForModel(m.transform, m.bytes);
    reply = { id: m.id, x };
    parentPort?.postMessage(reply, [x.buffer as ArrayBuffer]);
  } catch (err) {
    reply = { id: m.id, error: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' };
    parentPort?.postMessage(reply);
  }
});
