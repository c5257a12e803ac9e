/**
 * Tests client addresses against a list of IP addresses and CIDR blocks (IPv4 and IPv6), with node:net's
 * BlockList. IPv4-mapped IPv6 addresses (`::ffff:10.1.2.3`, what a dual-stack socket reports for an IPv4 client)
 * are treated as the IPv4 address they carry, in the list and in the addresses tested.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";

export type AddressMatcher = (address: string) => boolean;

export function createAddressMatcher(entries: readonly string[]): AddressMatcher {
  const list = new BlockList();
  for (const entry of entries) {
    const [rawAddress = "", bitsText] = entry.split("/");
    const mapped = ipv4Of(rawAddress);
    const address = mapped ?? rawAddress;
    const family = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : undefined;
    const max = family === "ipv4" ? 32 : 128;
    // A mapped IPv6 block (::ffff:10.0.0.0/104) is the IPv4 block under its first 96 bits.
    const bits = bitsText === undefined ? undefined : Number(bitsText) - (mapped !== undefined ? 96 : 0);
    if (family === undefined || (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > max))) {
      throw new Error(`"${entry}" is not an IP address or CIDR block`);
    }
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, bits, family);
  }
  return (candidate) => {
    const address = ipv4Of(candidate) ?? candidate;
    if (isIPv4(address)) return list.check(address, "ipv4");
    if (isIPv6(address)) return list.check(address, "ipv6");
    return false;
  };
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, `::ffff:102:304`, fully written), else undefined. */
function ipv4Of(address: string): string | undefined {
  if (!isIPv6(address)) return undefined;
  let text = address.toLowerCase();
  const lastColon = text.lastIndexOf(":");
  const dotted = text.slice(lastColon + 1);
  if (isIPv4(dotted)) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split(".").map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const headGroups = head ? head.split(":") : [];
  const restGroups = rest ? rest.split(":") : [];
  const zeros = rest === undefined ? [] : Array.from({ length: 8 - headGroups.length - restGroups.length }, () => "0");
  const groups = [...headGroups, ...zeros, ...restGroups].map((group) => parseInt(group, 16));
  if (groups.length !== 8 || groups.slice(0, 5).some((group) => group !== 0) || groups[5] !== 0xffff) return undefined;
  const [high = 0, low = 0] = groups.slice(6);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}
