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
  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).PORT).toBe(3000);
  });
});
