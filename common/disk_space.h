// Free disk checks before writing anything big (archives, replicas, staged restores): a master's
// disk is never filled to the last byte, and the refusal says how much is needed and where.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace lockstep {

inline constexpr uint64_t kDiskHeadroom = 64ULL << 20;

Result<uint64_t> FreeBytesAt(const std::string& path);
std::string HumanBytes(uint64_t bytes);
// FailedPrecondition "not enough free disk on MASTER for WHAT: need about …, … free in PATH;
// ADVICE" unless `path`'s filesystem has `needed` bytes plus the headroom free.
Status CheckFreeSpace(const std::string& path, uint64_t needed, const std::string& master,
                      const std::string& what, const std::string& advice);

}  // namespace lockstep
