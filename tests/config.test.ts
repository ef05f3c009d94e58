import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('config', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATA_DIR).toBe('./data');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.pgliteDir).toMatch(/data\/pglite$/);
  });
  it('stops with one clear line naming the variable', () => {
    const err = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(err({ PORT: 'abc' })).toMatch(/^PORT="abc" is invalid: expected a port number$/);
    expect(err({ PORT: '70000' })).toMatch(/^PORT="70000" is invalid/);
    expect(err({ LOG_LEVEL: 'loud' })).toMatch(/^LOG_LEVEL="loud" is invalid: expected one of fatal, error/);
    expect(err({ DATABASE_URL: 'mysql://x' })).toMatch(/^DATABASE_URL="mysql:\/\/x" is invalid: expected a postgres/);
    expect(err({ EMBEDDINGS: 'openai' })).toMatch(/EMBEDDINGS="openai" needs OPENAI_API_KEY or OPENAI_BASE_URL/);
    expect(err({ PORT: 'x', LOG_LEVEL: 'y' }).split('\n')).toHaveLength(2);
  });
  it('takes a port only as a decimal number 1–65535 after trimming', () => {
    const portError = (value: string) => {
      try {
        loadConfig({ PORT: value });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error(`PORT=${JSON.stringify(value)} was accepted`);
    };
    expect(portError(' ')).toBe('PORT=" " is invalid: expected a port number');
    for (const bad of ['0x10', '1e3', '80.5', '-1', '+80', '3000abc', '123456'])
      expect(portError(bad)).toMatch(/^PORT=".*" is invalid: expected a port number$/);
    expect(loadConfig({ PORT: '0' }).PORT).toBe(0); // any free port, said so at start
    expect(portError('65536')).toBe('PORT="65536" is invalid: expected a port number between 1 and 65535 (or 0: any free port)');
    expect(loadConfig({ PORT: ' 8080 ' }).PORT).toBe(8080);
    expect(loadConfig({ PORT: '08080' }).PORT).toBe(8080);
    expect(loadConfig({ PORT: '1' }).PORT).toBe(1);
    expect(loadConfig({ PORT: '65535' }).PORT).toBe(65535);
  });
  it('has database and HTTP deadlines', () => {
    const c = loadConfig({});
    expect([c.DATABASE_CONNECT_TIMEOUT_MS, c.DATABASE_STATEMENT_TIMEOUT_MS, c.HTTP_REQUEST_TIMEOUT_MS]).toEqual([5000, 15_000, 30_000]);
    expect(loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '1500' }).DATABASE_CONNECT_TIMEOUT_MS).toBe(1500);
    expect(() => loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: 'soon' })).toThrow(
      /^DATABASE_STATEMENT_TIMEOUT_MS="soon" is invalid: expected milliseconds/,
    );
    expect(() => loadConfig({ OPENAI_MODEL: 'm', OPENAI_BASE_URL: 'http://x/v1', LLM_TIMEOUT_MS: '40000' })).toThrow(
      /LLM_TIMEOUT_MS=40000 must be shorter than HTTP_REQUEST_TIMEOUT_MS=30000/,
    );
  });
  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).PORT).toBe(3000);
  });
});
