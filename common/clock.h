// Wall-clock time formatting (UTC), for manifests and the names of staging and rollback
// directories.
#pragma once

#include <string>

namespace lockstep {

// strftime of the current UTC time, e.g. "%Y-%m-%dT%H:%M:%SZ".
std::string FormatUtcNow(const char* format);

}  // namespace lockstep
