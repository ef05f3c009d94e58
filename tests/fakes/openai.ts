import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local fake of the OpenAI API on loopback, following its wire format.
 * - `/v1/embeddings` answers with the vectors `embed` gives — as base64 little-endian float32 when asked
 *   (`encoding_format: "base64"`, what the official SDK and LangChain request), else as JSON arrays.
 * - `/v1/chat/completions` answers what the scripted `chat` function returns for the request: text (as one JSON
 *   completion, or as server-sent events when `stream: true`, ending with a usage chunk if asked and `[DONE]`), an
 *   HTTP error status (429 with `retry-after`, 500…), after an optional delay, or a stream that stalls mid-way.
 * Every request body is kept in `requests` for assertions.
 */
export interface ChatScript {
  content?: string;
  /** Answer with this HTTP error instead. */
  status?: number;
  /** Wait this long before answering at all. */
  delayMs?: number;
  /** Streaming only: send the first piece, then wait this long before the rest. */
  stallMs?: number;
}

export type ChatMessageBody = { role: string; content: string };
export type ChatHandler = (body: { messages: ChatMessageBody[]; stream?: boolean; model?: string } & Record<string, unknown>) => ChatScript;

export interface FakeOpenAI {
  url: string;
  requests: { path: string; body: Record<string, unknown>; headers: IncomingMessage['headers'] }[];
  /** The scripted model; replace it per test. */
  chat: ChatHandler;
  close(): Promise<void>;
}

export async function startFakeOpenAI(
  embed: (text: string) => number[] = () => [1, 0, 0, 0],
  chat: ChatHandler = () => ({ content: 'Xin chào.' }),
): Promise<FakeOpenAI> {
  const requests: FakeOpenAI['requests'] = [];
  const fake = { chat } as FakeOpenAI;
  const server: Server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    requests.push({ path: req.url ?? '', body, headers: req.headers });
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url === '/v1/embeddings') {
      const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
      const data = inputs.map((text, index) => {
        const v = embed(text);
        const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
        return { object: 'embedding', index, embedding };
      });
      res.end(
        JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } }),
      );
      return;
    }
    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      await completion(fake.chat(body as Parameters<ChatHandler>[0]), body, res);
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  });
}

async function completion(script: ChatScript, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  let closed = false;
  res.on('close', () => (closed = true));
  const wait = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));
  if (script.delayMs) await wait(script.delayMs);
  if (closed) return;
  if (script.status) {
    res.statusCode = script.status;
    if (script.status === 429) res.setHeader('retry-after', '1');
    res.end(
      JSON.stringify({
        error: {
          message: script.status === 429 ? 'Rate limit reached' : 'The server had an error',
          type: script.status === 429 ? 'rate_limit_error' : 'server_error',
        },
      }),
    );
    return;
  }
  const content = script.content ?? '';
  const messages = body.messages as ChatMessageBody[];
  const usage = { prompt_tokens: JSON.stringify(messages).length >> 2, completion_tokens: content.length >> 2, total_tokens: 0 };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const base = { id: 'chatcmpl-fake', created: Math.floor(Date.now() / 1000), model: body.model };
  if (!body.stream) {
    res.end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (data: unknown) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
  const third = Math.ceil(content.length / 3) || 1;
  const pieces = content.match(new RegExp(`[\\s\\S]{1,${third}}`, 'g')) ?? [];
  chunk({ role: 'assistant', content: '' });
  for (const [i, piece] of pieces.entries()) {
    if (closed) return;
    chunk({ content: piece });
    if (i === 0 && script.stallMs) await wait(script.stallMs);
  }
  if (closed) return;
  chunk({}, 'stop');
  if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage)
    send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
  send('[DONE]');
  res.end();
}
