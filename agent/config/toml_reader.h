// Typed, strict reads from one TOML table: every key read is remembered, so whatever is left
// over afterwards is an unknown key and can be reported by its full dotted name.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace lockstep::agent {

class TomlReader {
 public:
  // `prefix` is the table's dotted name ("" for the root). Messages name the key and its line;
  // the caller prepends the file.
  TomlReader(const toml::table& table, std::string prefix);

  Status String(const std::string& key, std::string* out, bool required = false);
  Status Integer(const std::string& key, int64_t min, int64_t max, int64_t* out);
  Status Millis(const std::string& key, std::chrono::milliseconds* out);
  Status Bool(const std::string& key, bool* out);
  Status StringList(const std::string& key, std::vector<std::string>* out);
  // A sub-table, or nullptr when absent; an error when the key holds something else.
  Result<const toml::table*> Table(const std::string& key);
  // Each element of an array of tables ([[key]]).
  Result<std::vector<const toml::table*>> TableArray(const std::string& key);

  // Call after every read: fails naming the first key nobody asked for.
  Status RejectUnknownKeys() const;
  std::string Name(const std::string& key) const;  // "prefix.key"

 private:
  const toml::node* Find(const std::string& key);
  Status WrongType(const std::string& key, const std::string& expected,
                   const toml::node& node) const;

  const toml::table& table_;
  std::string prefix_;
  std::set<std::string> read_;
};

}  // namespace lockstep::agent
