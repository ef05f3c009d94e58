import OpenAI from 'openai';

/**
 * The chat model behind generated answers: any OpenAI-compatible `/v1/chat/completions` (OpenAI, vLLM, Ollama,
 * LM Studio).
 *
 * Built on the `openai` SDK rather than LangChain's `ChatOpenAI`: we need one call with an AbortSignal, streamed
 * deltas and the token usage of that call, and nothing of LangChain's chains, tools or callbacks. The SDK is already
 * what `@langchain/openai` uses underneath, so the wire format is the same one the embeddings use.
 */

/** One message of a chat completion request. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Completion {
  text: string;
  /** Tokens the server reported (missing when it reports none, as some local servers do when streaming). */
  usage?: { prompt: number; completion: number };
}

export interface CompleteOptions {
  /** Aborts the request (the answer's deadline). */
  signal: AbortSignal;
  /** Streams the answer and calls this with the text so far after each piece. */
  onDelta?: (textSoFar: string) => void;
  /** Streams (`true`, default) or waits for the whole answer. */
  stream?: boolean;
  maxTokens?: number;
}

export interface ChatModel {
  /** The model name, as recorded with each answer and shown by `/healthz`. */
  readonly model: string;
  complete(messages: readonly ChatMessage[], options: CompleteOptions): Promise<Completion>;
}

export interface OpenAIChatOptions {
  model: string;
  apiKey?: string;
  baseURL?: string;
  /** Low: the answer should say what the guide says, not be creative. */
  temperature?: number;
}

export class OpenAIChatModel implements ChatModel {
  readonly model: string;
  private readonly client: OpenAI;
  private readonly temperature: number;

  constructor(options: OpenAIChatOptions) {
    this.model = options.model;
    this.temperature = options.temperature ?? 0.2;
    // No retries: a citizen is waiting, and the vetted guide is a good answer to fall back on at once.
    this.client = new OpenAI({
      apiKey: options.apiKey ?? 'not-needed',
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      maxRetries: 0,
    });
  }

  async complete(messages: readonly ChatMessage[], options: CompleteOptions): Promise<Completion> {
    const body = { model: this.model, messages: [...messages], temperature: this.temperature, max_tokens: options.maxTokens ?? 700 };
    const request = { signal: options.signal, maxRetries: 0 };
    if (options.stream === false) {
      const res = await this.client.chat.completions.create({ ...body, stream: false }, request);
      complete(res.choices[0]?.finish_reason);
      return { text: res.choices[0]?.message.content ?? '', ...usageOf(res.usage) };
    }
    const stream = await this.client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, request);
    let text = '';
    let usage: Completion['usage'];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) {
        text += delta;
        options.onDelta?.(text);
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = usageOf(chunk.usage).usage;
    }
    // An aborted stream just ends (the SDK does not throw): a part of an answer must never pass for a whole one.
    if (options.signal.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted');
    complete(finish);
    return { text, ...(usage ? { usage } : {}) };
  }
}

/** Only an answer the model finished is usable: not one cut off by the token limit or a dropped connection. */
function complete(finish: string | null | undefined): void {
  if (finish !== 'stop') throw new Error(finish ? `the answer was cut short (finish_reason ${finish})` : 'the answer stream ended early');
}

function usageOf(usage: { prompt_tokens: number; completion_tokens: number } | null | undefined): Pick<Completion, 'usage'> {
  return usage ? { usage: { prompt: usage.prompt_tokens, completion: usage.completion_tokens } } : {};
}
