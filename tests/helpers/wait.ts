/** Polls `predicate` every 20 ms until it holds; throws `what: timed out waiting` after `ms`. */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`${what}: timed out waiting`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
