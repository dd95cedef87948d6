#include "common/crypto/header.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "common/crypto/base64.h"
#include "common/crypto/primitives.h"

namespace lockstep::age {
namespace {

constexpr size_t kBodyColumns = 64;
constexpr std::string_view kStanzaPrefix = "-> ";
constexpr std::string_view kMacPrefix = "--- ";

bool IsVisible(char c) { return c > ' ' && c < 127; }  // ABNF VCHAR

Result<Secret<32>> ComputeMac(const FileKey& file_key, std::string_view mac_input) {
  ASSIGN_OR_RETURN(Secret<32> key, Hkdf(file_key.data(), file_key.size(), nullptr, 0, "header"));
  return HmacSha256(key, mac_input.data(), mac_input.size());
}

// Splits the header into LF-terminated lines; the caller guarantees `text` ends with LF.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

Status LineError(size_t index, const std::string& what) {
  return Corruption("malformed age header, line " + std::to_string(index + 1) + ": " + what);
}

Result<std::vector<std::string>> ParseArguments(std::string_view line, size_t index) {
  std::vector<std::string> args;
  std::string_view rest = line.substr(kStanzaPrefix.size());
  while (true) {
    const size_t space = rest.find(' ');
    const std::string_view arg = rest.substr(0, space);
    if (arg.empty() || !std::all_of(arg.begin(), arg.end(), IsVisible)) {
      return LineError(index, "a stanza argument is empty or has a non-printable character");
    }
    args.emplace_back(arg);
    if (space == std::string_view::npos) return args;
    rest.remove_prefix(space + 1);
  }
}

// Reads a stanza's body lines from lines[*index]; leaves *index on the line after the body.
Result<std::vector<uint8_t>> ParseBody(const std::vector<std::string_view>& lines, size_t* index) {
  std::string encoded;
  while (true) {
    if (*index >= lines.size()) {
      return LineError(*index, "a stanza ends without a final body line shorter than 64 columns");
    }
    const std::string_view line = lines[(*index)++];
    if (line.size() > kBodyColumns) return LineError(*index - 1, "a body line exceeds 64 columns");
    encoded += line;
    if (line.size() < kBodyColumns) break;
  }
  auto body = Base64Decode(encoded);
  if (!body) return LineError(*index - 1, "a stanza body is not canonical unpadded base64");
  return *body;
}

Status ParseMacLine(std::string_view line, size_t index, Header* header) {
  if (line.size() != kMacPrefix.size() + Base64Length(kMacSize)) {
    return LineError(index, "the MAC line is not \"--- \" and 43 base64 characters");
  }
  auto mac = Base64Decode(line.substr(kMacPrefix.size()));
  if (!mac || mac->size() != kMacSize) {
    return LineError(index, "the MAC is not canonical unpadded base64");
  }
  std::memcpy(header->mac.data(), mac->data(), kMacSize);
  return Status::Ok();
}

}  // namespace

Result<std::string> EncodeHeader(const std::vector<Stanza>& stanzas, const FileKey& file_key) {
  std::string text(kVersionLine);
  for (const Stanza& stanza : stanzas) {
    text += "->";
    for (const std::string& arg : stanza.args) text += " " + arg;
    text += '\n';
    const std::string body = Base64Encode(stanza.body.data(), stanza.body.size());
    // Full 64-column lines, then a shorter (possibly empty) one that ends the stanza.
    size_t at = 0;
    for (; body.size() - at >= kBodyColumns; at += kBodyColumns) {
      text.append(body, at, kBodyColumns);
      text += '\n';
    }
    text.append(body, at);
    text += '\n';
  }
  text += "---";
  ASSIGN_OR_RETURN(Secret<32> mac, ComputeMac(file_key, text));
  text += " " + Base64Encode(mac.data(), mac.size()) + "\n";
  return text;
}

Result<Header> ParseHeader(std::string_view text) {
  if (!text.starts_with(kVersionLine)) return LineError(0, "not \"age-encryption.org/v1\"");
  const std::vector<std::string_view> lines = Lines(text);
  Header header;
  size_t index = 1;
  size_t offset = kVersionLine.size();  // of lines[index] in text
  while (index < lines.size() && lines[index].starts_with(kStanzaPrefix)) {
    Stanza stanza;
    ASSIGN_OR_RETURN(stanza.args, ParseArguments(lines[index], index));
    const size_t first = index++;
    ASSIGN_OR_RETURN(stanza.body, ParseBody(lines, &index));
    for (size_t i = first; i < index; ++i) offset += lines[i].size() + 1;
    header.stanzas.push_back(std::move(stanza));
  }
  if (header.stanzas.empty()) return LineError(1, "no recipient stanza (\"-> \")");
  if (index + 1 != lines.size() || !lines[index].starts_with(kMacPrefix)) {
    return LineError(index, "expected a stanza (\"-> \") or the MAC line (\"--- \")");
  }
  RETURN_IF_ERROR(ParseMacLine(lines[index], index, &header));
  header.mac_input = std::string(text.substr(0, offset + 3));
  return header;
}

Result<bool> MacMatches(const Header& header, const FileKey& file_key) {
  ASSIGN_OR_RETURN(Secret<32> mac, ComputeMac(file_key, header.mac_input));
  return CRYPTO_memcmp(mac.data(), header.mac.data(), kMacSize) == 0;
}

}  // namespace lockstep::age
