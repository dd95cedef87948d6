#include "agent/config/tokens_file.h"

#include <toml++/toml.h>

#include "agent/config/toml_reader.h"
#include "api/token.h"

namespace lockstep::agent {
namespace {

Result<NamedToken> ReadToken(const toml::table& table, size_t index) {
  TomlReader reader(table, "tokens[" + std::to_string(index) + "]");
  NamedToken token;
  std::string role;
  RETURN_IF_ERROR(reader.String("name", &token.name, true));
  RETURN_IF_ERROR(reader.String("role", &role, true));
  RETURN_IF_ERROR(reader.String("token", &token.secret, true));
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  Result<api::Role> parsed = api::ParseRole(role);
  if (!parsed.ok()) return parsed.status().Prepend("token '" + token.name + "'");
  token.role = *parsed;
  return token;
}

}  // namespace

Result<std::vector<NamedToken>> ParseTokens(const std::string& text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    // Only the line: toml++'s description may quote the characters around the error, a secret's.
    return InvalidArgument(origin + ": line " + std::to_string(e.source().begin.line) +
                           " is not valid TOML");
  }
  TomlReader reader(root, "");
  ASSIGN_OR_RETURN(std::vector<const toml::table*> tables, reader.TableArray("tokens"));
  RETURN_IF_ERROR(reader.RejectUnknownKeys().Prepend(origin));
  if (tables.empty()) {
    return InvalidArgument(origin +
                           " names no tokens; add [[tokens]] entries with name, role "
                           "and token");
  }
  std::vector<NamedToken> tokens;
  for (size_t i = 0; i < tables.size(); ++i) {
    Result<NamedToken> token = ReadToken(*tables[i], i);
    if (!token.ok()) return token.status().Prepend(origin);
    tokens.push_back(std::move(*token));
  }
  RETURN_IF_ERROR(CheckTokens(tokens).Prepend(origin));
  return tokens;
}

Result<std::vector<NamedToken>> LoadTokensFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text,
                   api::ReadSecretFile(path, api::SecretFileRule::kOwnerOnly, 1 << 20));
  return ParseTokens(text, path);
}

}  // namespace lockstep::agent
