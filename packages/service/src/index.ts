export {
  durationFlag,
  FlagError,
  type FlagSpec,
  type FlagValues,
  intFlag,
  parseFlags,
  usage,
} from "./flags.ts";
export { createLogger, type Level, type Logger, type LoggerOptions, parseLevel } from "./log.ts";
export { Counter, createRegistry, Gauge, Histogram, type Registry } from "./metrics.ts";
export { type OpsServer, type OpsServerOptions, type Readiness, startOpsServer } from "./ops-server.ts";
export {
  commonFlags,
  redisFlags,
  redisSettingsFrom,
  runService,
  type ServiceContext,
} from "./run-service.ts";
export { installShutdown, type Shutdown } from "./shutdown.ts";
