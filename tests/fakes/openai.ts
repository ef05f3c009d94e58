import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local fake of the OpenAI API on loopback, following its wire format. `/v1/embeddings` answers with the vectors
 * `embed` gives — as base64 little-endian float32 when asked (`encoding_format: "base64"`, what the official SDK and
 * LangChain request), else as JSON arrays. Every request body is kept in `requests` for assertions.
 */
export interface FakeOpenAI {
  url: string;
  requests: { path: string; body: Record<string, unknown>; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

export async function startFakeOpenAI(embed: (text: string) => number[]): Promise<FakeOpenAI> {
  const requests: FakeOpenAI['requests'] = [];
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
      res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } }));
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((ok) => server.close(() => ok())) };
}
