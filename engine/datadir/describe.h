// Human-readable summaries of format problems for error messages.
#pragma once

#include <string>

#include "engine/zkfmt/problem.h"

namespace lockstep::datadir {

// "snapshot.1f at offset 123: Adler32 mismatch (expected 0x…, found 0x…); …" — fatal ones first,
// at most `limit` of them.
std::string DescribeProblems(const zkfmt::Problems& problems, size_t limit = 5);

}  // namespace lockstep::datadir
