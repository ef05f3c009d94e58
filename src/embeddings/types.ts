/** Turns texts into vectors for pgvector similarity search. */
export interface Embedder {
  /** Names the model and its settings; stored in the database so a change of embedder re-indexes everything. */
  readonly id: string;
  readonly dims: number;
  embed(texts: readonly string[]): Promise<number[][]>;
}
