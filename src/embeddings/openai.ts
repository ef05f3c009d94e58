import { OpenAIEmbeddings } from '@langchain/openai';
import type { Embedder } from './types.ts';

/**
 * Embeddings from any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, LM Studio) through LangChain.
 * Only guide text and (redacted) questions are sent.
 */
export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  private readonly client: OpenAIEmbeddings;

  constructor(
    options: { apiKey?: string; baseURL?: string; model: string; timeoutMs?: number },
    readonly dims: number,
  ) {
    this.id = `openai:${options.model}:${dims}`;
    this.client = new OpenAIEmbeddings({
      model: options.model,
      apiKey: options.apiKey ?? 'not-needed',
      maxRetries: 2,
      timeout: options.timeoutMs ?? 15_000,
      configuration: options.baseURL ? { baseURL: options.baseURL } : {},
    });
  }

  /** Asks the server once to learn the model's dimension. */
  static async connect(options: { apiKey?: string; baseURL?: string; model: string; timeoutMs?: number }): Promise<OpenAIEmbedder> {
    const probe = new OpenAIEmbedder(options, 0);
    const [v] = await probe.client.embedDocuments(['xin chào']);
    if (!v?.length) throw new Error(`the embeddings endpoint returned no vector for model ${options.model}`);
    return new OpenAIEmbedder(options, v.length);
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.length ? this.client.embedDocuments([...texts]) : [];
  }
}
