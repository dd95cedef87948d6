// The protobuf JSON mapping as Lockstep prints it everywhere (CLI output, manifests): field names
// as in the .proto, defaults included, indented.
#pragma once

#include <google/protobuf/message.h>

#include <string>

namespace lockstep::proto {

std::string ToJson(const google::protobuf::Message& message);

}  // namespace lockstep::proto
