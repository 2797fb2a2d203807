import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import winston from 'winston';
import './chaincode-logging';

/** A printf format that records which messages it was asked to format. */
function recordingFormat(formatted: string[]): winston.Logform.Format {
  return winston.format.printf((info) => {
    formatted.push(String(info.message));
    return String(info.message);
  });
}

void describe('chaincode server logging preload', () => {
  void it('drops records below the level before formatting them, and formats the rest as before', () => {
    const formatted: string[] = [];
    const written: string[] = [];
    const logger = winston.createLogger({
      level: 'warn',
      format: recordingFormat(formatted),
      transports: [
        new winston.transports.Stream({
          stream: new Writable({
            write(chunk: Buffer, _enc: string, cb: () => void) {
              written.push(chunk.toString().trim());
              cb();
            },
          }),
        }),
      ],
    });
    logger.debug('per-transaction detail');
    logger.info('per-transaction summary');
    logger.log('info', 'another summary %s', 'with a splat');
    logger.warn('a warning');
    logger.error('an error');
    assert.deepEqual(formatted, ['a warning', 'an error']);
    assert.deepEqual(written, ['a warning', 'an error']);
  });

  void it('still formats records a transport with a lower level asks for', () => {
    const formatted: string[] = [];
    const logger = winston.createLogger({
      level: 'warn',
      format: recordingFormat(formatted),
      transports: [new winston.transports.Stream({ level: 'debug', stream: process.stderr, silent: true })],
    });
    logger.debug('wanted by the transport');
    assert.deepEqual(formatted, ['wanted by the transport']);
  });
});
