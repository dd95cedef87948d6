#include "common/http/message.h"

#include "common/json_escape.h"

namespace lockstep::http {
Reply ErrorReply(int status, const std::string& code, const std::string& message) {
  return Reply{status,
               "{\"error\":\"" + JsonEscape(message) + "\",\"code\":\"" + JsonEscape(code) + "\"}",
               "application/json"};
}

void RenderFor(const std::string& accept, Reply& reply) {
  if (!reply.render) return;
  const bool binary = accept.find(kProtobufType) != std::string::npos;
  reply.body = reply.render(binary);
  reply.content_type = binary ? kProtobufType : "application/json";
  reply.render = nullptr;
}

}  // namespace lockstep::http
