// The one koffi loader: every native API of nicraft (the NIC shim, the cluster fabric, the frame
// world, the back-to-back world, the module testbenches) is a table of C prototypes declared here,
// once per library file. koffi was chosen for the binding because it needs no compiled addon of our
// own (docs/simulation.md).
import koffi from 'koffi';

export type Fn = (...args: unknown[]) => unknown;

const libs = new Map<string, ReturnType<typeof koffi.load>>();
const apis = new Map<string, Record<string, Fn>>();

/** The library at path, loaded once per process. */
export function library(path: string): ReturnType<typeof koffi.load> {
  let lib = libs.get(path);
  if (!lib) libs.set(path, (lib = koffi.load(path)));
  return lib;
}

/**
 * Declares the functions of one API (name -> C prototype) in the library at path, once per
 * (library, API name); later calls return the same table.
 */
export function declareApi<K extends string>(path: string, name: string, protos: Record<K, string>): Record<K, Fn> {
  const key = `${name}\0${path}`;
  let api = apis.get(key);
  if (!api) {
    const lib = library(path);
    api = Object.fromEntries(Object.entries<string>(protos).map(([k, p]) => [k, lib.func(p) as Fn]));
    apis.set(key, api);
  }
  return api as Record<K, Fn>;
}

type CType = ReturnType<typeof koffi.pointer>;
type Fields = Record<string, string | CType>;
const structs = new Map<string, CType>();

/** Declares a C struct type (fields: koffi type names or types) once per process, so prototypes can name it. */
export function declareStruct(name: string, fields: Fields): CType {
  let t = structs.get(name);
  if (!t) structs.set(name, (t = koffi.struct(name, fields)));
  return t;
}

/** A pointer type to a declared type (for struct fields). */
export function pointerTo(type: CType): CType {
  return koffi.pointer(type);
}
