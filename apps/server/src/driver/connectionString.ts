/**
 * The parts of a connection string a lesson check reads (the hosts and `directConnection`), as
 * the Connection String spec splits it: `mongodb://[userinfo@]host1[:port1][,host2…][/[db]][?options]`,
 * option keys case-insensitive, values percent-encoded (mongodb/specifications,
 * source/connection-string/connection-string-spec.md). The driver itself parses the whole string;
 * this is only so the lab's view of a client says what the learner asked for.
 */
export interface ConnectionStringParts {
  /** `host:port` as written (a host without a port gets 27017, as the driver does). */
  hosts: string[];
  /** `directConnection` when the string sets it to true or false; undefined when absent or unreadable. */
  directConnection: boolean | undefined;
}

export function connectionStringParts(uri: string): ConnectionStringParts | null {
  const scheme = /^mongodb(\+srv)?:\/\//i.exec(uri);
  if (!scheme) return null;
  const rest = uri.slice(scheme[0].length);
  const hostsEnd = rest.search(/[/?]/);
  const authority = hostsEnd === -1 ? rest : rest.slice(0, hostsEnd);
  const hostList = authority.slice(authority.lastIndexOf('@') + 1);
  const hosts = hostList
    .split(',')
    .filter((host) => host !== '')
    .map((host) => decodeURIComponent(host))
    .map((host) => (/:\d+$/.test(host) || scheme[1] ? host : `${host}:27017`));
  const query = rest.indexOf('?');
  let directConnection: boolean | undefined;
  if (query !== -1) {
    for (const pair of rest.slice(query + 1).split('&')) {
      const [key = '', value = ''] = pair.split('=');
      if (key.toLowerCase() !== 'directconnection') continue;
      const text = decodeURIComponent(value).toLowerCase();
      directConnection = text === 'true' ? true : text === 'false' ? false : undefined;
    }
  }
  return { hosts, directConnection };
}
