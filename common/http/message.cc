#include "common/http/message.h"

#include "common/json_escape.h"

namespace lockstep::http {
Reply ErrorReply(int status, const std::string& code, const std::string& message) {
  return Reply{status,
               "{\"error\":\"" + JsonEscape(message) + "\",\"code\":\"" + JsonEscape(code) + "\"}",
               "application/json"};
}

}  // namespace lockstep::http
