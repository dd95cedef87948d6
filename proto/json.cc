#include "proto/json.h"

#include <google/protobuf/util/json_util.h>

namespace lockstep::proto {
namespace {

std::string Print(const google::protobuf::Message& message, bool indent) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = indent;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) { return Print(message, true); }

std::string ToCompactJson(const google::protobuf::Message& message) {
  return Print(message, false);
}

Status FromJson(std::string_view json, google::protobuf::Message* message, bool allow_unknown) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = allow_unknown;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (!status.ok()) {
    return InvalidArgument("malformed " + message->GetDescriptor()->name() +
                           " JSON: " + std::string(status.message()));
  }
  return Status::Ok();
}

}  // namespace lockstep::proto
