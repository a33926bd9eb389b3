/** Member states with MongoDB's numeric codes (rs.status() `state`) and names (`stateStr`). */
export const MemberState = {
  STARTUP: 0,
  PRIMARY: 1,
  SECONDARY: 2,
  RECOVERING: 3,
  STARTUP2: 5,
  UNKNOWN: 6,
  ARBITER: 7,
  DOWN: 8,
  ROLLBACK: 9,
  REMOVED: 10,
} as const;

export type MemberStateName = keyof typeof MemberState;
export type MemberStateCode = (typeof MemberState)[MemberStateName];

const NAMES = new Map<number, MemberStateName>(Object.entries(MemberState).map(([k, v]) => [v, k as MemberStateName]));

export function stateName(code: number): MemberStateName {
  const name = NAMES.get(code);
  if (!name) throw new RangeError(`unknown member state ${code}`);
  return name;
}

export function stateCode(name: MemberStateName): MemberStateCode {
  return MemberState[name];
}

/** `Primary`, `Secondary`: the form mongod uses inside some messages. */
export function stateTitle(name: MemberStateName): string {
  return name.charAt(0) + name.slice(1).toLowerCase();
}
