// The HTTP request and reply as handlers see them: whole bodies in memory (bounded by the
// server's limits), headers reduced to what Lockstep uses.
#pragma once

#include <map>
#include <string>

namespace lockstep::http {

struct Request {
  std::string method;  // GET, POST, …
  std::string path;    // target without the query
  std::map<std::string, std::string> query;
  std::string body;
  std::string body_file;      // set instead of body for uploads (see ServerOptions)
  std::string authorization;  // the Authorization header, verbatim
  std::string content_type;
  std::string remote;  // peer address, for logs
};

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string file_path;  // when set, the file is streamed as the body instead
};

// A JSON error body {"error": message, "code": code}, escaped.
Reply ErrorReply(int status, const std::string& code, const std::string& message);

}  // namespace lockstep::http
