import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Addresses a unit-scoped webhook may not reach unless WEBHOOK_ALLOW_PRIVATE=true: loopback,
 * link-local (incl. cloud metadata at 169.254.169.254), private, shared (CGNAT), unique-local,
 * multicast, unspecified and reserved ranges, for IPv4 and IPv6, IPv4-mapped IPv6 included.
 */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64's well-known prefix: on a NAT64 network it reaches the IPv4 address inside
  ['64:ff9b:1::', 48],
  ['2002::', 16], // 6to4: an IPv4 address inside, which a relay may reach
  ['100::', 64],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped or IPv4-compatible IPv6 address (::ffff:a.b.c.d, ::ffff:7f00:1, ::a.b.c.d), if any. */
function embeddedIPv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const match = /^(?:0{0,4}:){0,5}(?:0{0,4}:|ffff:)((?:[0-9]{1,3}\.){3}[0-9]{1,3}|[0-9a-f]{1,4}:[0-9a-f]{1,4})$/.exec(lower.startsWith('::') ? `0:${lower.slice(1)}` : lower);
  if (!match?.[1]) return undefined;
  const tail = match[1];
  if (tail.includes('.')) return tail;
  const [high = '0', low = '0'] = tail.split(':');
  const value = (parseInt(high, 16) << 16) | parseInt(low, 16);
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

/** True when `address` (an IP literal) is one a unit-scoped endpoint may not target; a non-IP is treated as private. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(bare)) return BLOCKED.check(bare, 'ipv4');
  if (!isIPv6(bare)) return true;
  const v4 = embeddedIPv4(bare);
  if (v4 !== undefined && isIPv4(v4)) return BLOCKED.check(v4, 'ipv4');
  return BLOCKED.check(bare, 'ipv6');
}
