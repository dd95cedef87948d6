// Small string helpers shared by the HTTP routing and the CLI.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lockstep {

// The non-empty pieces of `text` between `separator`s: "/v1//x/" -> {"v1", "x"}.
std::vector<std::string> SplitNonEmpty(std::string_view text, char separator);
// "a, b, c" for {"a", "b", "c"} with ", " as `separator`.
std::string Join(const std::vector<std::string>& parts, std::string_view separator);
// `text` without leading and trailing spaces, tabs, CRs and LFs.
std::string TrimSpace(std::string_view text);

}  // namespace lockstep
