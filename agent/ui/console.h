// The web console ([ui] enabled = true): a read-only single-page app served from the agent
// itself at /ui/ (docs/design.md "The console"). Its files (agent/ui/console/) are compiled into
// the binary by embed.cmake, so a master needs nothing else at run time and nothing is fetched
// from elsewhere. The pages read the same JSON API as the CLI, with the token the operator
// enters; these replies carry no data, only code, so they need no token themselves.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/http/message.h"

namespace lockstep::agent::ui {

struct ConsoleFile {
  std::string_view name;  // "app.js"
  std::string_view bytes;
};

// Every file of the console (generated: console_files.cc).
std::span<const ConsoleFile> ConsoleFiles();

// The media type a console file is served as, by its extension; "" for one the console does not
// serve.
std::string_view MediaTypeOf(std::string_view name);

// The headers every console reply carries: a Content-Security-Policy allowing only the console's
// own files and same-origin API calls (no inline script, no framing, no other origin), no
// referrer, no caching of a page an old agent served.
void AddConsoleHeaders(http::Reply& reply);

// GET /ui and /ui/: the page (index.html), or for `/ui` a redirect to `/ui/` so the page's
// relative links resolve under any prefix a proxy adds.
http::Reply ConsolePage(const std::string& request_path);
// GET /ui/{asset}: that file, or 404.
http::Reply ConsoleAsset(const std::string& asset);

}  // namespace lockstep::agent::ui
