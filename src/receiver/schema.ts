/**
 * Validators built from docs/provider-api.yaml, the one source of the wire format. The receiver
 * validates requests with them at run time; the tests validate the agent's requests and the
 * receiver's answers with the same functions.
 *
 * Why load the YAML at run time rather than generate code or types: the OpenAPI document stays
 * the only thing a provider needs to read, there is no generation step to forget, and a drift
 * between the TypeScript types (src/upload/protocol.ts, src/contract/reading.ts) and the document
 * shows up as a failing test that validates real bodies.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

// ajv-formats is CommonJS with a default export; under NodeNext the callable is on `.default`.
const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ?? addFormatsImport) as (ajv: Ajv2020) => Ajv2020;

/** docs/provider-api.yaml, found from src/receiver/ and from dist/receiver/ alike. */
export const API_DOCUMENT_URL = new URL('../../docs/provider-api.yaml', import.meta.url);

export interface OpenApiDocument {
  openapi: string;
  components: { schemas: Record<string, unknown> };
  paths: Record<string, unknown>;
  [key: string]: unknown;
}

export function loadApiDocument(path: URL | string = API_DOCUMENT_URL): OpenApiDocument {
  return parse(readFileSync(path, 'utf8')) as OpenApiDocument;
}

export type SchemaName = 'ReadingsRequest' | 'Reading' | 'Receipt' | 'HeartbeatRequest' | 'HeartbeatResponse' | 'Error' | 'AgentStatus' | 'DeviceSummary' | 'Command' | 'CommandStatus' | 'ReceiverEvent' | 'AgentAlert';

export interface ApiValidators {
  /** Validates `value` against components/schemas/<name>; returns the problems, or [] when valid. */
  check(name: SchemaName, value: unknown): string[];
  document: OpenApiDocument;
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''}`);
}

let cached: ApiValidators | undefined;

/** Compiles the document's schemas once per process. */
export function apiValidators(doc?: OpenApiDocument): ApiValidators {
  if (cached && !doc) return cached;
  const document = doc ?? loadApiDocument();
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  // OpenAPI's own top-level fields are not JSON Schema keywords; declare them so strict mode accepts the document.
  ajv.addVocabulary(['openapi', 'info', 'servers', 'security', 'paths', 'components', 'tags', 'webhooks', 'externalDocs', 'jsonSchemaDialect']);
  ajv.addSchema(document as object, 'provider-api');
  const compiled = new Map<string, ValidateFunction>();
  const get = (name: string): ValidateFunction => {
    let v = compiled.get(name);
    if (!v) {
      v = ajv.getSchema(`provider-api#/components/schemas/${name}`);
      if (!v) throw new Error(`provider-api.yaml has no components/schemas/${name}`);
      compiled.set(name, v);
    }
    return v;
  };
  const out: ApiValidators = {
    document,
    check(name, value) {
      const v = get(name);
      return v(value) ? [] : describe(v.errors);
    },
  };
  if (!doc) cached = out;
  return out;
}
