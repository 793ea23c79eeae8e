/**
 * The OpenAPI 3.1 document of the gateway, generated from the same zod schemas the routes validate
 * with (zod 4's own JSON Schema output is draft 2020-12, OpenAPI 3.1's dialect), so the document and
 * the validation cannot drift apart. Routes are described by a `RouteDoc` table (`apiRoutes.ts`).
 */
import { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type JsonSchema = z.core.JSONSchema.BaseSchema;

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Default `application/json`; a non-JSON answer without a schema is documented as a string. */
  contentType?: string;
}

export interface RouteDoc {
  method: HttpMethod;
  /** Express style: `/v1/jobs/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Needs `Authorization: Bearer <key>` when the gateway has keys. */
  auth: boolean;
  /** Schemas of the path parameters; a parameter not named here is a plain string. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Default true; false for bodies that may be left out altogether. */
  bodyRequired?: boolean;
  responses: Record<number, ResponseDoc>;
  operationId?: string;
}

export interface OpenApiOptions {
  version: string;
  title?: string;
  description?: string;
  /** Schemas emitted once under `components.schemas` and referenced wherever they occur, by name. */
  components?: Record<string, z.ZodType>;
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}
export type Reference = { $ref: string };

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: (ParameterObject | Reference)[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; headers?: Record<string, Reference>; content?: Record<string, { schema: JsonSchema }> }>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: { title: string; version: string; description?: string };
  tags: { name: string }[];
  paths: Record<string, Partial<Record<HttpMethod, OperationObject>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }>;
    parameters: Record<string, ParameterObject>;
    headers: Record<string, { description: string; schema: JsonSchema }>;
  };
}

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';
const COMPONENT_REF = '#/components/schemas/';
/** Route-local schemas are converted under ids with this prefix and inlined afterwards. */
const LOCAL = '~';
const BEARER = 'bearerAuth';

/** `/v1/jobs/:id` → `/v1/jobs/{id}` and its parameter names. */
export function openApiPath(expressPath: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

function defaultOperationId(method: HttpMethod, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/**
 * One conversion direction: requests are documented as what a caller may send (`io: 'input'`:
 * defaults optional, before transforms), responses as what the gateway answers (`io: 'output'`).
 */
class Side {
  private readonly registry = z.registry<{ id: string }>();
  private readonly ids = new Map<z.ZodType, string>();
  private converted: Record<string, JsonSchema> | undefined;

  constructor(
    private readonly io: 'input' | 'output',
    components: Record<string, z.ZodType>,
  ) {
    for (const [name, schema] of Object.entries(components)) this.add(schema, name);
  }

  private add(schema: z.ZodType, id: string): string {
    const known = this.ids.get(schema);
    if (known !== undefined) return known;
    this.registry.add(schema, { id });
    this.ids.set(schema, id);
    return id;
  }

  /** Registers a schema met on a route and returns the handle to read its JSON Schema with. */
  use(schema: z.ZodType): z.ZodType {
    this.add(schema, `${LOCAL}${this.ids.size}`);
    return schema;
  }

  private convert(registry: z.core.$ZodRegistry<{ id: string }>, lenient: boolean): Record<string, JsonSchema> {
    return z.toJSONSchema(registry, {
      io: this.io,
      target: 'draft-2020-12',
      uri: (id) => `${COMPONENT_REF}${id}`,
      unrepresentable: lenient ? 'any' : 'throw',
    }).schemas;
  }

  /**
   * Every component converted in both directions, leniently: a request-only component (a transform
   * has no JSON Schema output) must not fail the response side. `check` is the strict pass.
   */
  private all(): Record<string, JsonSchema> {
    if (!this.converted) {
      const schemas = this.convert(this.registry, true);
      this.converted = Object.fromEntries(
        Object.entries(schemas).map(([id, s]) => {
          const { $schema: _dialect, $id: _id, ...rest } = s;
          return [id, rest];
        }),
      );
    }
    return this.converted;
  }

  /** A component as `$ref`, anything else inline (route-local references inlined too). */
  ref(schema: z.ZodType): JsonSchema {
    const id = this.ids.get(schema)!;
    return id.startsWith(LOCAL) ? this.inline(this.all()[id]!) : { $ref: `${COMPONENT_REF}${id}` };
  }

  /** The schema's own JSON Schema, even when it is a component (a query object's properties). */
  expand(schema: z.ZodType): JsonSchema {
    return this.inline(this.all()[this.ids.get(schema)!]!);
  }

  private inline(json: JsonSchema): JsonSchema {
    return JSON.parse(JSON.stringify(json), (_k, v: unknown) => {
      const ref = (v as Reference | null)?.$ref;
      if (typeof ref === 'string' && ref.startsWith(COMPONENT_REF + LOCAL)) return this.inline(this.all()[ref.slice(COMPONENT_REF.length)]!);
      return v;
    }) as JsonSchema;
  }

  /** Converts again without leniency what the document really uses: route schemas and the components `used`. */
  check(used: ReadonlySet<string>): void {
    const strict = z.registry<{ id: string }>();
    for (const [schema, id] of this.ids) if (id.startsWith(LOCAL) || used.has(id)) strict.add(schema, { id });
    try {
      this.convert(strict, false);
    } catch (err) {
      throw new Error(`openapi: a ${this.io === 'input' ? 'request' : 'response'} schema has no JSON Schema form: ${(err as Error).message}`);
    }
  }

  /** Components reachable from `roots`, each with its JSON Schema. */
  reachable(roots: unknown[]): Map<string, JsonSchema> {
    const found = new Map<string, JsonSchema>();
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v !== null && typeof v === 'object') {
        const ref = (v as Reference).$ref;
        if (typeof ref === 'string' && ref.startsWith(COMPONENT_REF)) {
          const id = ref.slice(COMPONENT_REF.length);
          if (!found.has(id)) {
            found.set(id, this.all()[id]!);
            visit(found.get(id));
          }
        }
        Object.values(v).forEach(visit);
      }
    };
    visit(roots);
    return found;
  }
}

function withoutDescription(schema: JsonSchema): { schema: JsonSchema; description?: string } {
  const { description, ...rest } = schema;
  return description === undefined ? { schema: rest } : { schema: rest, description };
}

export function buildOpenApi(routes: readonly RouteDoc[], opts: OpenApiOptions): OpenApiDocument {
  const components = opts.components ?? {};
  const requests = new Side('input', components);
  const responses = new Side('output', components);
  // Register every route schema before the first conversion: each side converts once.
  const planned = routes.map((r) => ({
    route: r,
    params: r.params && requests.use(r.params),
    query: r.query && requests.use(r.query),
    body: r.body && requests.use(r.body),
    responses: Object.entries(r.responses).map(([status, doc]) => ({ status, doc, schema: doc.schema && responses.use(doc.schema) })),
  }));

  const paths: OpenApiDocument['paths'] = {};
  const requestRoots: unknown[] = [];
  const responseRoots: unknown[] = [];
  const operationIds = new Set<string>();
  for (const p of planned) {
    const { route } = p;
    const { path, params } = openApiPath(route.path);
    const operationId = route.operationId ?? defaultOperationId(route.method, path);
    if (paths[path]?.[route.method]) throw new Error(`openapi: ${route.method.toUpperCase()} ${route.path} is described twice`);
    if (operationIds.has(operationId)) throw new Error(`openapi: operationId ${operationId} is used twice`);
    operationIds.add(operationId);

    const paramProps = (p.params ? requests.expand(p.params).properties : undefined) ?? {};
    const parameters: (ParameterObject | Reference)[] = [{ $ref: '#/components/parameters/RequestId' }];
    for (const name of params) {
      const prop = paramProps[name];
      const { schema, description } = withoutDescription(typeof prop === 'object' ? prop : { type: 'string' });
      parameters.push({ name, in: 'path', required: true, ...(description ? { description } : {}), schema });
    }
    if (p.query) {
      const json = requests.expand(p.query);
      for (const [name, prop] of Object.entries(json.properties ?? {})) {
        const { schema, description } = withoutDescription(typeof prop === 'object' ? prop : {});
        parameters.push({ name, in: 'query', required: json.required?.includes(name) ?? false, ...(description ? { description } : {}), schema });
      }
    }
    const op: OperationObject = {
      operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: route.auth ? [{ [BEARER]: [] }] : [],
      parameters,
      responses: {},
    };
    if (p.body) {
      op.requestBody = { required: route.bodyRequired ?? true, content: { 'application/json': { schema: requests.ref(p.body) } } };
    }
    for (const r of p.responses) {
      const contentType = r.doc.contentType ?? 'application/json';
      const schema: JsonSchema | undefined = r.schema ? responses.ref(r.schema) : contentType === 'application/json' ? undefined : { type: 'string' };
      op.responses[r.status] = {
        description: r.doc.description,
        headers: { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } },
        ...(schema ? { content: { [contentType]: { schema } } } : {}),
      };
    }
    requestRoots.push(op.parameters, op.requestBody);
    responseRoots.push(op.responses);
    (paths[path] ??= {})[route.method] = op;
  }

  const schemas: Record<string, JsonSchema> = {};
  const inRequests = requests.reachable(requestRoots);
  const inResponses = responses.reachable(responseRoots);
  requests.check(new Set(inRequests.keys()));
  responses.check(new Set(inResponses.keys()));
  for (const [id, json] of inResponses) schemas[id] = json;
  for (const [id, json] of inRequests) {
    if (schemas[id] && JSON.stringify(schemas[id]) !== JSON.stringify(json)) {
      // One name, two shapes (defaults, transforms): the document would lie about one of them.
      throw new Error(`openapi: component ${id} reads differently in requests and responses; register its request form under another name`);
    }
    schemas[id] = json;
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: DIALECT,
    info: { title: opts.title ?? 'Nightshift gateway', version: opts.version, ...(opts.description ? { description: opts.description } : {}) },
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        [BEARER]: { type: 'http', scheme: 'bearer', description: 'An API key from the gateway keys file (README "Security"); required when keys are configured.' },
      },
      parameters: {
        RequestId: {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          description: 'Your id for this request (1-128 of [A-Za-z0-9._-]); the gateway makes one up otherwise.',
          schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' },
        },
      },
      headers: {
        RequestId: { description: 'The request id: yours if it was sane, else generated. Quote it when reporting a problem.', schema: { type: 'string' } },
      },
    },
  };
}
