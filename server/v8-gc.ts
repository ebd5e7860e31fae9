/**
 * A full garbage collection on V8 runtimes (Node, Deno) without starting them with --expose-gc:
 * the flag can be set at run time, and a new context then has `gc`. For memory figures "after GC".
 */
import v8 from "node:v8";
import vm from "node:vm";

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString("--expose-gc");
    gc = vm.runInNewContext("gc") as () => void;
  }
  gc();
}
