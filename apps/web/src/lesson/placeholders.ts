import { placeholderSource } from '@rslab/protocol';

const placeholder = new RegExp(placeholderSource, 'g');

const whatWords = { port: 'port', pid: 'PID', index: 'index', host: 'host', command: 'command line' } as const;

/**
 * A lesson command whose member placeholders cannot be filled right now (`kill -9 {{pid:primary}}`
 * with no primary), as a reader should see it: `kill -9 <PID of the primary>`, never the braces.
 * The placeholders' grammar is @rslab/protocol's `fillPlaceholders`.
 */
export function unfilledCommandText(template: string): string {
  return template.replace(placeholder, (_all, what: keyof typeof whatWords, role: string) => {
    const whose = role === 'primary' ? 'the primary' : role === 'secondary' ? 'a secondary' : role === 'killed' ? 'the member you killed' : `the mongod on ${role}`;
    return `<${whatWords[what]} of ${whose}>`;
  });
}
