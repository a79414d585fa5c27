//===- Crc32c.h - CRC-32C checksums -----------------------------*- C++ -*-===//

#ifndef TVQ_RUNTIME_CRC32C_H
#define TVQ_RUNTIME_CRC32C_H

#include <cstddef>
#include <cstdint>

namespace tvq {

/// Extends the CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial
/// value and final xor 0xFFFFFFFF, as in iSCSI, ext4 and Python's crc32c) of
/// some bytes, crc (0 for none), by size more bytes, so that
/// crc32c(crc32c(0, a), b) == crc32c(0, a + b). crc32c(0, "123456789", 9) is
/// 0xE3069283.
uint32_t crc32c(uint32_t crc, const void *data, size_t size);

} // namespace tvq

#endif // TVQ_RUNTIME_CRC32C_H
