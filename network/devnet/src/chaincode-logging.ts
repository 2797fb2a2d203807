// Preloaded (`node --require`) into every chaincode server the devnet starts, beside the watchdog.
//
// fabric-shim logs through winston, and winston runs every record through its whole format chain
// (timestamp, metadata, colours, padding, printf) before its transport drops the records below the level.
// The shim writes several debug and info records per transaction, so at the devnet's default `warning`
// level about a third of a busy chaincode server's CPU went to formatting records nobody sees (0.43 →
// 0.29 ms per transaction in the devnet benchmark). Records below the level are now dropped before they
// are formatted; records at or above it, and uncaught-exception records, take winston's usual path.
import { shimDependencyCopies } from './chaincode-shim-deps';

interface WinstonLoggerPrototype {
  isLevelEnabled(this: WinstonLoggerPrototype, level: string): boolean;
  write(this: WinstonLoggerPrototype, chunk: unknown, ...rest: unknown[]): boolean;
}

for (const file of shimDependencyCopies('winston')) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path found at run time
  const winston = require(file) as { Logger?: { prototype: WinstonLoggerPrototype } };
  const proto = winston.Logger?.prototype;
  if (!proto || typeof proto.isLevelEnabled !== 'function') continue;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the logger as `this`
  const write = proto.write;
  proto.write = function (this: WinstonLoggerPrototype, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'object' && chunk !== null) {
      const { level, exception } = chunk as { level?: unknown; exception?: unknown };
      if (typeof level === 'string' && exception !== true && !this.isLevelEnabled(level)) return true;
    }
    return write.call(this, chunk, ...rest);
  };
}
