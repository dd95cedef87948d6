// ZooKeeper transaction ids: 64 bits, the high 32 the leader epoch, the low 32 a counter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lockstep {

using Zxid = int64_t;

inline uint32_t ZxidEpoch(Zxid zxid) {
  return static_cast<uint32_t>(static_cast<uint64_t>(zxid) >> 32);
}
inline uint32_t ZxidCounter(Zxid zxid) { return static_cast<uint32_t>(zxid & 0xffffffff); }
inline Zxid MakeZxid(uint32_t epoch, uint32_t counter) {
  return static_cast<Zxid>((static_cast<uint64_t>(epoch) << 32) | counter);
}

// "0x1a0000002f": the form the CLI, JSON and ZooKeeper's file names use.
std::string FormatZxid(Zxid zxid);
// Accepts "0x1a", "1a" (hex, as in file names). nullopt on anything else.
std::optional<Zxid> ParseHexZxid(std::string_view text);

}  // namespace lockstep
