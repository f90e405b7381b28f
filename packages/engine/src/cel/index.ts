export { celToJson, jsonToCel } from "./convert.ts";
export { k8sFuncs } from "./k8s-lib.ts";
export {
  type CelActivation,
  CelCancelError,
  type CelCompileError,
  type CelEvalOptions,
  type CelFailure,
  type CelMatchCondition,
  CelProgram,
  CelProgramError,
  type CelSource,
  type CelValidation,
  type CelVariable,
  type FailurePolicy,
} from "./program.ts";
