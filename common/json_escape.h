// Escaping text for a JSON string literal, for the few JSON bodies built without protobuf
// (error replies that must work even when nothing else does).
#pragma once

#include <string>

namespace lockstep {

std::string JsonEscape(const std::string& text);

}  // namespace lockstep
