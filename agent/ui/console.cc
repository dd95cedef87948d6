#include "agent/ui/console.h"

#include <algorithm>

namespace lockstep::agent::ui {
namespace {

// 'self' only: the page's scripts and styles are its own files (no inline code, so an injected
// string can never run), its fetches go to this agent's API, and nothing may frame it.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ConsoleFile* Find(std::string_view name) {
  const auto files = ConsoleFiles();
  const auto it =
      std::find_if(files.begin(), files.end(), [&](const auto& f) { return f.name == name; });
  return it == files.end() ? nullptr : &*it;
}

http::Reply FileReply(const ConsoleFile& file) {
  http::Reply reply;
  reply.body = std::string(file.bytes);
  reply.content_type = std::string(MediaTypeOf(file.name));
  AddConsoleHeaders(reply);
  return reply;
}

}  // namespace

std::string_view MediaTypeOf(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  return "";
}

void AddConsoleHeaders(http::Reply& reply) {
  reply.headers["Content-Security-Policy"] = kContentSecurityPolicy;
  reply.headers["X-Frame-Options"] = "DENY";
  reply.headers["Referrer-Policy"] = "no-referrer";
  reply.headers["Cache-Control"] = "no-cache";
  reply.headers["Cross-Origin-Opener-Policy"] = "same-origin";
  reply.headers["Cross-Origin-Resource-Policy"] = "same-origin";
}

http::Reply ConsolePage(const std::string& request_path) {
  if (!request_path.ends_with('/')) {
    // Relative, so it keeps whatever prefix a proxy put before /ui.
    http::Reply moved = http::ErrorReply(308, "moved", "the console is at ui/");
    moved.headers["Location"] = "ui/";
    return moved;
  }
  const ConsoleFile* page = Find("index.html");
  if (!page) return http::ErrorReply(500, "internal", "the console was built without its page");
  return FileReply(*page);
}

http::Reply ConsoleAsset(const std::string& asset) {
  const ConsoleFile* file = Find(asset);
  if (!file || MediaTypeOf(asset).empty()) {
    http::Reply missing = http::ErrorReply(
        404, "not_found", "the console has no file '" + asset + "' (the page is at /ui/)");
    AddConsoleHeaders(missing);
    return missing;
  }
  return FileReply(*file);
}

}  // namespace lockstep::agent::ui
