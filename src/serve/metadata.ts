/**
 * TF Serving's metadata and status answers, plus the feature details a raw-record client needs.
 * Two signatures: `serving_default` takes the raw features (one input per feature, the saved
 * preprocessing applied — what a client sends by default), `encoded` takes the numbers the network
 * itself takes (one input, `encoded`, [-1, …inputShape]; `model_studio.encoded.names` names the
 * columns), chosen with `"signature_name": "encoded"` in the request body.
 */
import type { Preprocessing } from '../engine/data/types';
import type { ServedVersion } from './models';

export function versionStatus(versions: ServedVersion[]): unknown {
  return {
    model_version_status: versions.map((v) => ({ version: String(v.version), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } })),
  };
}

const dims = (sizes: number[]): unknown => ({ dim: sizes.map((size) => ({ size: String(size), name: '' })), unknown_rank: false });

function featureDetails(prep: Preprocessing): unknown[] {
  return prep.features.map((f) => {
    switch (f.kind) {
      case 'numeric': return { name: f.name, type: 'numeric', nullable: f.impute !== null };
      case 'boolean': return { name: f.name, type: 'boolean', nullable: f.impute !== null };
      case 'categorical': return { name: f.name, type: 'category', categories: f.categories, nullable: f.impute !== null };
      case 'text': return { name: f.name, type: 'text', sequenceLength: f.sequenceLength };
      case 'image': return { name: f.name, type: 'image', size: f.size, channels: f.channels, encoding: '{"b64": "<base64 PNG or JPEG>"}' };
    }
  });
}

export function metadata(name: string, v: ServedVersion): unknown {
  const { prep } = v;
  const inputs: Record<string, unknown> = {};
  for (const f of prep.features) {
    inputs[f.name] = { dtype: f.kind === 'text' || f.kind === 'image' || f.kind === 'categorical' ? 'DT_STRING' : 'DT_FLOAT', tensor_shape: dims([-1]), name: f.name };
  }
  const k = prep.label.classes?.length ?? 0;
  const outputs: Record<string, unknown> = prep.task === 'classification'
    ? {
        label: { dtype: 'DT_STRING', tensor_shape: dims([-1]), name: 'label' },
        probabilities: { dtype: 'DT_FLOAT', tensor_shape: dims([-1, k]), name: 'probabilities' },
        classes: { dtype: 'DT_STRING', tensor_shape: dims([-1, k]), name: 'classes' },
      }
    : { value: { dtype: 'DT_FLOAT', tensor_shape: dims([-1]), name: 'value' } };
  const encodedInputs = { encoded: { dtype: 'DT_FLOAT', tensor_shape: dims([-1, ...prep.inputShape]), name: 'encoded' } };
  return {
    model_spec: { name, signature_name: '', version: String(v.version) },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: { inputs, outputs, method_name: 'tensorflow/serving/predict' },
          encoded: { inputs: encodedInputs, outputs, method_name: 'tensorflow/serving/predict' },
        },
      },
    },
    model_studio: {
      task: prep.task,
      run_id: v.info.runId ?? null,
      inputs: featureDetails(prep),
      signatures: {
        serving_default: 'raw feature values: records, or arrays in the order of model_studio.inputs; the saved preprocessing is applied',
        encoded: 'already-encoded numbers in the order of encoded.names; send "signature_name": "encoded"',
      },
      encoded: { signature_name: 'encoded', shape: prep.inputShape, names: prep.encodedNames ?? null },
      outputs: prep.task === 'classification' ? { label: prep.label.name, classes: prep.label.classes ?? [] } : { target: prep.label.name },
    },
  };
}
