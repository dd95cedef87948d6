// The release this program is (project()'s version in CMakeLists.txt). One translation unit,
// common/version.cc, defines it, so nothing else is compiled with the version: a change of version
// relinks the programs instead of rebuilding them, and the package test links a second agent and
// CLI of a higher version from the same objects to upgrade a running cluster to
// (packaging/CMakeLists.txt, scripts/test-deploy).
#pragma once

#include <string_view>

namespace lockstep {

std::string_view Version();

}  // namespace lockstep
