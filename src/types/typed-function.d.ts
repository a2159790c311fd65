// Types for the parts of typed-function (https://github.com/josdejong/typed-function) that dsv3 uses.
declare module 'typed-function' {
  interface TypeDef {
    name: string;
    test: (x: unknown) => boolean;
  }
  interface Typed {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (name: string, signatures: Record<string, (...args: any[]) => unknown>): (...args: unknown[]) => unknown;
    create(): Typed;
    addTypes(types: TypeDef[], before?: string): void;
  }
  const typed: Typed;
  export default typed;
}
