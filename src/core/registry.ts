import { fold } from '../text/normalize.ts';
import type { ChoiceRoute, Command, Feature, Handler } from './feature.ts';

/** An entry of the platform's command menu (Telegram's `setMyCommands`). */
export interface MenuCommand {
  command: string;
  description: string;
}

/**
 * The commands, phrases and buttons of all features, by name. Built once when the conversation is; a name registered
 * twice throws naming both features, so two slices can never silently fight over `/huy` or a button.
 */
export class Registry {
  readonly commands = new Map<string, Command>();
  readonly phrases = new Map<string, Handler>();
  readonly choices = new Map<string, ChoiceRoute>();

  constructor(features: readonly Feature[]) {
    const owners = new Map<string, string>();
    const claim = (kind: string, key: string, feature: string) => {
      const owner = owners.get(`${kind} ${key}`);
      if (owner) throw new Error(`${kind} "${key}" is registered by both ${owner} and ${feature}: give one of them another name`);
      owners.set(`${kind} ${key}`, feature);
    };
    for (const f of features) {
      claim('feature', f.name, f.name);
      for (const [name, command] of Object.entries(f.commands ?? {})) {
        const key = name.toLowerCase();
        if (!/^[a-z0-9_]{1,32}$/.test(key))
          throw new Error(`command "${name}" of ${f.name}: use 1–32 letters, digits or "_", without the slash`);
        claim('command', `/${key}`, f.name);
        this.commands.set(key, command);
      }
      for (const [phrase, handler] of Object.entries(f.phrases ?? {})) {
        claim('phrase', fold(phrase), f.name);
        this.phrases.set(fold(phrase), handler);
      }
      for (const route of f.choices ?? []) {
        claim('choice', route.codec.name, f.name);
        this.choices.set(route.codec.name, route);
      }
    }
  }

  /** The commands to show in a platform menu, in feature order. */
  menu(): MenuCommand[] {
    return [...this.commands].filter(([, c]) => !c.hidden).map(([command, c]) => ({ command, description: c.description }));
  }
}

/** `/name@Bot args` → name (lower case) and args; anything else → undefined. */
export function parseCommand(text: string): { name: string; args: string } | undefined {
  const m = /^\/([a-z0-9_]{1,32})(?:@\w+)?(?:\s+([\s\S]*))?$/i.exec(text);
  return m ? { name: m[1]!.toLowerCase(), args: (m[2] ?? '').trim() } : undefined;
}
