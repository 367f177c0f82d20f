import {isAlias, isMap, isScalar, isSeq, type LineCounter, type Node} from 'yaml';

/**
 * A small table-driven validator over `yaml` nodes. Every failure names the node's line and
 * column, so a config error reads `FILE:LINE:COL: message`. A section is a table of fields;
 * adding a config key is one entry in that table. Unknown keys are errors: nothing is
 * accepted and ignored.
 */
export class ConfigError extends Error {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  constructor(file: string, line: number, col: number, message: string) {
    super(`${file}:${line}:${col}: ${message}`);
    this.file = file;
    this.line = line;
    this.col = col;
  }
}
Object.defineProperty(ConfigError.prototype, 'name', {value: 'ConfigError'});

/** Where the document came from, to turn node offsets into positions. */
export interface Source {
  file: string;
  lines: LineCounter;
}

/** Turns one node (null: a missing value, positioned at `parent`) into a typed value, or throws. */
export type Validator<T> = (node: Node | null, source: Source, where: string, parent: Node | null) => T;

export function fail(source: Source, node: Node | null, message: string): never {
  failAt(source, node?.range?.[0] ?? 0, message);
}

/** As `fail`, at a character offset of the document (a YAML syntax error has no node). */
export function failAt(source: Source, offset: number, message: string): never {
  const {line, col} = source.lines.linePos(offset);
  throw new ConfigError(source.file, line, col, message);
}

function scalarValue(node: Node | null): unknown {
  return node !== null && isScalar(node) ? node.value : undefined;
}

function kind(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isAlias(node)) return 'an alias (aliases are not supported)';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  const value = scalarValue(node);
  if (value === null) return 'null';
  if (typeof value === 'number' && Number.isNaN(value)) return '.nan (not a number)';
  if (typeof value === 'number' && !Number.isFinite(value)) return `${value > 0 ? '' : '-'}.inf (an infinite number)`;
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

export const string =
  (check?: (value: string) => string | undefined): Validator<string> =>
  (node, source, where, parent) => {
    const value = scalarValue(node);
    if (typeof value !== 'string' || node === null) fail(source, node ?? parent, `${where} must be a string, not ${kind(node)}`);
    if (value === '') fail(source, node ?? parent, `${where} must not be empty`);
    const problem = check?.(value);
    if (problem !== undefined) fail(source, node ?? parent, `${where} ${problem}`);
    return value;
  };

export const number =
  (options: {min: number; max: number}): Validator<number> =>
  (node, source, where, parent) => {
    const value = scalarValue(node);
    if (typeof value === 'number' && Number.isNaN(value)) fail(source, node ?? parent, `${where} is not a number (.nan)`);
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(source, node ?? parent, `${where} must be a number, not ${kind(node)}`);
    if (value < options.min || value > options.max) fail(source, node ?? parent, `${where} must be between ${options.min} and ${options.max}`);
    return value;
  };

export const boolean: Validator<boolean> = (node, source, where, parent) => {
  const value = scalarValue(node);
  if (typeof value !== 'boolean') fail(source, node ?? parent, `${where} must be true or false, not ${kind(node)}`);
  return value;
};

export const oneOf =
  <T extends string>(choices: readonly T[]): Validator<T> =>
  (node, source, where, parent) => {
    const value = scalarValue(node);
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      fail(source, node ?? parent, `${where} must be one of ${choices.join(', ')}`);
    }
    return value as T;
  };

export const list =
  <T>(item: Validator<T>): Validator<T[]> =>
  (node, source, where, parent) => {
    if (node === null || !isSeq(node)) fail(source, node ?? parent, `${where} must be a list, not ${kind(node)}`);
    return node.items.map((child, index) => item((child as Node | null) ?? null, source, `${where}[${index}]`, node));
  };

/** A value given either as one item or as a list of them. */
export const oneOrMany =
  <T>(item: Validator<T>): Validator<T[]> =>
  (node, source, where, parent) =>
    node !== null && isSeq(node) ? list(item)(node, source, where, parent) : [item(node, source, where, parent)];

/** A mapping from names (checked by `key`) to values; keys keep their order. */
export const mapping =
  <T>(key: (name: string) => string | undefined, item: Validator<T>): Validator<Record<string, T>> =>
  (node, source, where, parent) => {
    if (node === null || !isMap(node)) fail(source, node ?? parent, `${where} must be a mapping, not ${kind(node)}`);
    const out: Record<string, T> = {};
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const name = scalarValue(keyNode);
      if (typeof name !== 'string') fail(source, keyNode, `${where} keys must be strings, not ${kind(keyNode)}`);
      const problem = key(name);
      if (problem !== undefined) fail(source, keyNode, `${where} key ${JSON.stringify(name)} ${problem}`);
      out[name] = item((pair.value as Node | null) ?? null, source, `${where}.${name}`, keyNode);
    }
    return out;
  };

/** A string, or a number or boolean written as text (`PORT: 8080`, `DEBUG: true`). */
export const scalarText =
  (check?: (value: string) => string | undefined): Validator<string> =>
  (node, source, where, parent) => {
    const value = scalarValue(node);
    if (typeof value === 'number' || typeof value === 'boolean') return String(node !== null && isScalar(node) && typeof node.source === 'string' ? node.source : value);
    if (typeof value !== 'string' || node === null) fail(source, node ?? parent, `${where} must be a string, not ${kind(node)}`);
    const problem = check?.(value);
    if (problem !== undefined) fail(source, node, `${where} ${problem}`);
    return value;
  };

/** Tries the validator matching the node's shape: a scalar form and a mapping form. */
export const scalarOrMap =
  <T>(scalar: Validator<T>, map: Validator<T>): Validator<T> =>
  (node, source, where, parent) =>
    node !== null && isMap(node) ? map(node, source, where, parent) : scalar(node, source, where, parent);

/** A list item together with its node, for checks that span items (a name used twice). */
export interface Located<T> {
  value: T;
  node: Node | null;
}

export const located =
  <T>(item: Validator<T>): Validator<Located<T>> =>
  (node, source, where, parent) => ({value: item(node, source, where, parent), node});

export interface Field<T> {
  validate: Validator<T>;
  required?: boolean;
}

/** A field the section must have: its key is not optional in the section's type. */
export const required = <T>(validate: Validator<T>): {validate: Validator<T>; required: true} => ({validate, required: true});

type Fields = Record<string, Field<unknown>>;
type ValueOf<F> = F extends Field<infer T> ? T : never;
type RequiredKeys<F extends Fields> = {[K in keyof F]: F[K] extends {required: true} ? K : never}[keyof F];
/** What `section(fields)` returns: required keys always there, the others possibly undefined. */
export type Section<F extends Fields> = {[K in RequiredKeys<F>]: ValueOf<F[K]>} & {[K in Exclude<keyof F, RequiredKeys<F>>]?: ValueOf<F[K]>};

/** A mapping with exactly the keys in `fields`; absent optional keys are left undefined. */
export const section =
  <F extends Fields>(fields: F): Validator<Section<F>> =>
  (node, source, where, parent) => {
    if (node === null || !isMap(node)) fail(source, node ?? parent, `${where} must be a mapping, not ${kind(node)}`);
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = scalarValue(keyNode);
      const name = typeof key === 'string' ? key : String(key);
      const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
      if (field === undefined) {
        fail(source, keyNode, `unknown key ${JSON.stringify(name)} in ${where} (known: ${Object.keys(fields).join(', ')})`);
      }
      out[name] = field.validate((pair.value as Node | null) ?? null, source, where === 'config' ? name : `${where}.${name}`, keyNode);
    }
    for (const [name, field] of Object.entries(fields)) {
      if (field.required && !(name in out)) fail(source, node ?? parent, `${where} lacks the required key ${JSON.stringify(name)}`);
    }
    return out as Section<F>;
  };
