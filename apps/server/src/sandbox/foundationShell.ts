import type { Interpreter, ShellIO } from '../terminal/session';
import type { Sandbox } from './sandbox';

const helpText = `Replica Set Lab shell. Commands:
  hostname        print this sandbox's host name
  echo TEXT       print TEXT
  clear           clear the screen
  help            this text
`;

/** The bash-like shell every terminal starts in. */
export class BashLikeShell implements Interpreter {
  readonly title = 'bash';

  constructor(private readonly sandbox: Sandbox) {}

  prompt(): string {
    return `${this.sandbox.hostname.split('.')[0]}$ `;
  }

  async execute(line: string, io: ShellIO): Promise<void> {
    const words = line.trim().split(/\s+/).filter((word) => word.length > 0);
    const [name, ...args] = words;
    if (name === undefined) return;
    switch (name) {
      case 'help':
        io.write(helpText);
        return;
      case 'hostname':
        io.write(`${this.sandbox.hostname}\n`);
        return;
      case 'echo':
        io.write(`${args.join(' ')}\n`);
        return;
      case 'clear':
        io.clear();
        return;
      default:
        io.write(`bash: ${name.slice(0, 200)}: command not found\n`);
    }
  }
}
