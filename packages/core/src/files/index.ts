/**
 * `@relax/core/files` — what every saved Relax file needs (Node only): atomic writes and a CRC-32 checksum.
 */
export { writeFileAtomic } from "./atomic_write.js";
export { crc32, withChecksum, verifyChecksum } from "./checksum.js";
