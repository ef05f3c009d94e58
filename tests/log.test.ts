import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../src/log.ts';

const TELEGRAM = `123456789:AAH${'x7Yq'.repeat(8)}`;
const ZALO = '1234567890:zalo-secret-Q1w2E3r4T5y6';
const OPENAI = 'sk-proj-Abc123Def456Ghi789Jkl';
const SECRETS = [TELEGRAM, ZALO, OPENAI];
// the parts a partial scrub would leave behind
const PIECES = [TELEGRAM.split(':')[1]!, ZALO.split(':')[1]!, OPENAI.slice(3)];

/** The real logger, writing its JSON lines into memory. */
function capture() {
  const lines: string[] = [];
  const log = createLogger('trace', { write: (line: string) => void lines.push(line) });
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, parsed };
}

function expectNoSecret(lines: readonly string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    for (const secret of [...SECRETS, ...PIECES]) expect(line).not.toContain(secret);
    expect(() => JSON.parse(line)).not.toThrow();
  }
}

describe('the logger scrubs secrets from everything it writes', () => {
  it('in message strings and format arguments', () => {
    const { log, lines, parsed } = capture();
    log.warn(`GET https://api.telegram.org/bot${TELEGRAM}/getMe failed`);
    log.warn('zalo token %s, key %s', ZALO, OPENAI);
    log.info(`Authorization: Bearer ${OPENAI}`);
    expectNoSecret(lines);
    expect(parsed().map((l) => l.msg)).toEqual([
      'GET https://api.telegram.org/bot[hidden]/getMe failed',
      'zalo token [hidden], key sk-[hidden]',
      'Authorization: Bearer [hidden]',
    ]);
  });

  it('in objects and arrays at any depth', () => {
    const { log, lines, parsed } = capture();
    log.info(
      {
        url: `https://bot-api.zaloplatforms.com/bot${ZALO}/getUpdates`,
        request: { headers: { 'x-api-key': OPENAI }, attempts: [{ url: `http://127.0.0.1:8081/bot${TELEGRAM}/sendMessage?x=1` }] },
        list: [[`token=${TELEGRAM}`], { deeper: { still: ZALO } }],
        where: `https://api.telegram.org/bot${TELEGRAM}/getMe?token=${ZALO}&lang=vi`,
      },
      'request',
    );
    expectNoSecret(lines);
    const [line] = parsed() as [{ url: string; request: { attempts: { url: string }[] }; where: string }];
    expect(line.url).toBe('https://bot-api.zaloplatforms.com/bot[hidden]/getUpdates');
    expect(line.request.attempts[0]!.url).toBe('http://127.0.0.1:8081/bot[hidden]/sendMessage?x=1');
    expect(line.where).toBe('https://api.telegram.org/bot[hidden]/getMe?token=[hidden]&lang=vi');
  });

  it('in errors: message, stack, cause and their own fields, as { err } or alone', () => {
    const { log, lines, parsed } = capture();
    const err = Object.assign(
      new Error(`request to https://api.telegram.org/bot${TELEGRAM}/sendMessage failed`, {
        cause: new Error(`the key ${OPENAI} was refused`),
      }),
      { url: `https://bot-api.zaloplatforms.com/bot${ZALO}/sendMessage`, status: 401 },
    );
    log.error({ err }, 'telegram: send failed');
    log.error(err);
    log.error(new TypeError(`bad token ${ZALO}`), 'zalo');
    expectNoSecret(lines);
    const [first, alone, typed] = parsed() as {
      msg: string;
      err: { type: string; message: string; stack: string; url: string; status: number };
    }[];
    expect(first!.msg).toBe('telegram: send failed');
    // pino adds the cause's message to the error's
    expect(first!.err.message).toBe('request to https://api.telegram.org/bot[hidden]/sendMessage failed: the key sk-[hidden] was refused');
    expect(first!.err.stack).toMatch(/^Error: request to https:\/\/api\.telegram\.org\/bot\[hidden\]\/sendMessage failed\n\s+at /);
    expect(first!.err.stack).toContain('the key sk-[hidden] was refused');
    expect(first!.err).toMatchObject({ type: 'Error', url: 'https://bot-api.zaloplatforms.com/bot[hidden]/sendMessage', status: 401 });
    expect(alone!.msg).toBe('request to https://api.telegram.org/bot[hidden]/sendMessage failed');
    expect(typed!.err).toMatchObject({ type: 'TypeError', message: 'bad token [hidden]' });
    // the error itself is not changed: whoever catches it still has the real text
    expect(err.message).toContain(TELEGRAM);
  });

  it('in errors from a real failed request, and in err fields nested in other objects', async () => {
    const { log, lines, parsed } = capture();
    const failed = await fetch(`http://127.0.0.1:99999/bot${TELEGRAM}/getMe`).catch((e: Error) => e);
    expect(String(failed)).toContain(TELEGRAM); // undici names the URL it could not use
    log.error({ err: failed }, 'telegram: getMe');
    log.warn(
      { job: { name: 'push', err: { message: `zalo said no to ${ZALO}`, stack: `Error: ${OPENAI}\n    at x (y.ts:1:1)` } } },
      'job failed',
    );
    log.warn({ errors: [new Error(`one ${TELEGRAM}`), new Error(`two ${OPENAI}`)] }, 'several');
    expectNoSecret(lines);
    const [fetchLine, nested] = parsed() as [{ err: { message: string } }, { job: { err: { stack: string } } }];
    expect(fetchLine.err.message).toContain('/bot[hidden]/getMe');
    expect(nested.job.err.stack).toBe('Error: sk-[hidden]\n    at x (y.ts:1:1)');
  });

  it('in the bindings of a child logger', () => {
    const { log, lines, parsed } = capture();
    log.child({ api: `https://api.telegram.org/bot${TELEGRAM}` }).info('child');
    expectNoSecret(lines);
    expect(parsed()[0]).toMatchObject({ api: 'https://api.telegram.org/bot[hidden]', msg: 'child' });
  });

  it('hides fields named token and authorization headers by name', () => {
    const { log, lines } = capture();
    log.info({ token: 'plain-secret-value', request: { headers: { authorization: 'Basic dXNlcjpwYXNz' } } }, 'by name');
    expect(lines[0]).not.toContain('plain-secret-value');
    expect(lines[0]).not.toContain('dXNlcjpwYXNz');
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'listening on http://127.0.0.1:5432/ at 2026-12-04T18:45:27.482Z',
      'choice quiz:vneid-tu-a-den-z:7:1 from telegram:-1001234567890',
      'update 812345 answered in 12.5 ms; outbox 4 rows',
      'zalo: connected as Bình Dân (webhook)',
    ]) {
      expect(scrubSecrets(text)).toBe(text);
    }
  });
});
