// The protobuf JSON mapping as Lockstep prints and reads it everywhere (CLI output, manifests, the
// HTTP API): field names as in the .proto, defaults included.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace lockstep::proto {

// Indented, for people (CLI output, files on disk).
std::string ToJson(const google::protobuf::Message& message);
// One line, for the wire.
std::string ToCompactJson(const google::protobuf::Message& message);
// Wrong types are errors naming the field (InvalidArgument). Unknown fields are errors too unless
// `allow_unknown`: requests are strict, replies from a newer agent are read leniently.
Status FromJson(std::string_view json, google::protobuf::Message* message,
                bool allow_unknown = false);

}  // namespace lockstep::proto
