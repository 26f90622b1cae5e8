/** The part of mailauth (no types of its own) that src/staff-mail uses: DKIM verification. */
declare module 'mailauth/lib/dkim/verify' {
  export type DnsResolver = (name: string, rrtype: string) => Promise<unknown>;
  export type DkimResult = {
    signingDomain: string;
    signingHeaders?: { keys: string; headers: string[] };
    status: { result: string; aligned?: string | false; underSized?: number; comment?: string };
  };
  export function dkimVerify(
    input: Buffer,
    options: { resolver?: DnsResolver; minBitLength?: number },
  ): Promise<{ headerFrom: string[]; results: DkimResult[] }>;
}
