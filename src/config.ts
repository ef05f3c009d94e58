import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * The one validated configuration, read from the environment. Every variable is documented in `.env.example` and in
 * the README's configuration table (tests/config-docs.test.ts keeps both equal to the schema); a bad value stops
 * start-up with one line naming it.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const optionalUrl = (what: string) =>
  optionalText.refine((v) => v === undefined || /^https?:\/\/\S+$/.test(v), { message: `expected ${what}` });

const schema = z.object({
  // decimal digits only, after trimming: no " " (→ a random port), 0x10, 1e3 or 80.5; leading zeros are harmless (08080 → 8080)
  PORT: z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, 'expected a port number')
    .transform(Number)
    // 0 asks the system for any free port (tests, several local copies): the address is logged at start
    .refine((n) => n >= 0 && n <= 65535, 'expected a port number between 1 and 65535 (or 0: any free port)')
    .default(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  TRUST_PROXY: z
    .enum(['true', 'false'], { message: 'expected true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  MESSAGES_PER_USER_PER_MINUTE: z.coerce
    .number({ message: 'expected messages per minute, e.g. 20 (0 = no limit)' })
    .int()
    .min(0)
    .max(100_000)
    .default(20),
  WEB_REQUESTS_PER_MINUTE: z.coerce
    .number({ message: 'expected requests per minute, e.g. 120 (0 = no limit)' })
    .int()
    .min(0)
    .max(1_000_000)
    .default(120),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: optionalText.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'expected a postgres:// or postgresql:// URL',
  }),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number({ message: 'expected milliseconds, e.g. 5000' }).int().min(100).max(120_000).default(5000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce
    .number({ message: 'expected milliseconds, e.g. 15000' })
    .int()
    .min(100)
    .max(3_600_000)
    .default(15_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number({ message: 'expected milliseconds, e.g. 30000' }).int().min(1000).max(600_000).default(30_000),
  KNOWLEDGE_DIR: z.string().trim().min(1).default('./knowledge'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  EMBEDDINGS: z.enum(['local', 'openai'], { message: 'expected "local" or "openai"' }).default('local'),
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalUrl('an http(s) URL such as http://localhost:11434/v1'),
  OPENAI_EMBEDDING_MODEL: z.string().trim().min(1).default('text-embedding-3-small'),
  OPENAI_MODEL: optionalText,
  LLM_TIMEOUT_MS: z.coerce.number({ message: 'expected milliseconds, e.g. 8000' }).int().min(50).max(120_000).default(8000),
  PROMPTS_DIR: z.string().trim().min(1).default('./prompts'),
  ASK_MIN_CONFIDENCE: z.coerce
    .number({ message: 'expected a number between 0 and 1' })
    .min(0, 'expected a number between 0 and 1')
    .max(1, 'expected a number between 0 and 1')
    .optional(),
  PUBLIC_URL: optionalUrl('the public https:// address of this server, e.g. https://bot.example.vn'),
  TELEGRAM_BOT_TOKEN: optionalText.refine((v) => v === undefined || /^\d+:[\w-]{20,}$/.test(v), {
    message: 'expected a token from @BotFather, like 123456789:AA…',
  }),
  TELEGRAM_API_ROOT: z
    .string()
    .trim()
    .regex(/^https?:\/\/\S+$/, 'expected an http(s) URL')
    .default('https://api.telegram.org'),
  ZALO_BOT_TOKEN: optionalText.refine((v) => v === undefined || /^\d+:\S{8,}$/.test(v), {
    message: 'expected the token Zalo Bot Creator sent, like 1234567890:abc…',
  }),
  ZALO_API_BASE: z
    .string()
    .trim()
    .regex(/^https?:\/\/\S+$/, 'expected an http(s) URL')
    .default('https://bot-api.zaloplatforms.com'),
  ZALO_OA_APP_ID: optionalText.refine((v) => v === undefined || /^\d{5,25}$/.test(v), {
    message: 'expected the numeric App ID of your app on developers.zalo.me',
  }),
  ZALO_OA_APP_SECRET: optionalText,
  ZALO_OA_SECRET_KEY: optionalText,
  ZALO_OA_API_BASE: z
    .string()
    .trim()
    .regex(/^https?:\/\/\S+$/, 'expected an http(s) URL')
    .default('https://openapi.zalo.me'),
  ZALO_OA_OAUTH_BASE: z
    .string()
    .trim()
    .regex(/^https?:\/\/\S+$/, 'expected an http(s) URL')
    .default('https://oauth.zaloapp.com'),
  TELEGRAM_PUSH_PER_SECOND: z.coerce.number({ message: 'expected messages per second, e.g. 25' }).positive().max(1000).default(25),
  ZALO_PUSH_PER_SECOND: z.coerce.number({ message: 'expected messages per second, e.g. 5' }).positive().max(1000).default(5),
  VOLUNTEER_CHAT_ID: optionalText.refine((v) => v === undefined || /^-?\d+$/.test(v), {
    message: 'expected the numeric id of the Telegram volunteer group, like -1001234567890',
  }),
  VOLUNTEER_NOTIFY_PRIVATELY: z
    .enum(['true', 'false'], { message: 'expected true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  VOLUNTEER_HOURS: z
    .string()
    .trim()
    .regex(/^([01]?\d|2[0-4])\s*-\s*([01]?\d|2[0-4])$/, 'expected local on-duty hours like 7-21')
    .default('7-21')
    .transform((v) => v.split('-').map((h) => Number(h.trim())) as [number, number]),
  HANDOFF_REANNOUNCE_MINUTES: z.coerce.number({ message: 'expected minutes, e.g. 10' }).positive().default(10),
  HANDOFF_GIVE_UP_MINUTES: z.coerce.number({ message: 'expected minutes, e.g. 60' }).positive().default(60),
  HANDOFF_EXPECTED_MINUTES: z.coerce.number({ message: 'expected minutes, e.g. 15' }).int().positive().default(15),
  GUIDE_STALE_DAYS: z.coerce.number({ message: 'expected days, e.g. 180' }).int().positive().max(3650).default(180),
  RETENTION_DAYS: z.coerce.number({ message: 'expected days, e.g. 365 (0 = keep)' }).int().min(0).max(36_500).default(365),
  MAX_MESSAGE_CHARS: z.coerce.number({ message: 'expected a whole number ≥ 100' }).int().min(100).default(2000),
});

/** The names of every variable the configuration reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export type Config = z.infer<typeof schema> & {
  /** Absolute path of the embedded database (PGlite) directory, unless `DATABASE_URL` is set. */
  pgliteDir: string;
  knowledgeDir: string;
  promptsDir: string;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration; throws a {@link ConfigError} whose message is one line per bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(CONFIG_VARIABLES.map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'config');
      return `${name}=${JSON.stringify(env[name] ?? '')} is invalid: ${issue.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const cfg = parsed.data;
  if (cfg.EMBEDDINGS === 'openai' && !cfg.OPENAI_API_KEY && !cfg.OPENAI_BASE_URL) {
    throw new ConfigError('EMBEDDINGS="openai" needs OPENAI_API_KEY or OPENAI_BASE_URL (an OpenAI-compatible server)');
  }
  if (cfg.OPENAI_MODEL && !cfg.OPENAI_API_KEY && !cfg.OPENAI_BASE_URL) {
    throw new ConfigError('OPENAI_MODEL needs OPENAI_API_KEY or OPENAI_BASE_URL (an OpenAI-compatible server)');
  }
  if (cfg.OPENAI_MODEL && cfg.LLM_TIMEOUT_MS >= cfg.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `LLM_TIMEOUT_MS=${cfg.LLM_TIMEOUT_MS} must be shorter than HTTP_REQUEST_TIMEOUT_MS=${cfg.HTTP_REQUEST_TIMEOUT_MS}`,
    );
  }
  return {
    ...cfg,
    pgliteDir: resolve(cfg.DATA_DIR, 'pglite'),
    knowledgeDir: resolve(cfg.KNOWLEDGE_DIR),
    promptsDir: resolve(cfg.PROMPTS_DIR),
  };
}
