#include "agent/config/toml_reader.h"

namespace lockstep::agent {

TomlReader::TomlReader(const toml::table& table, std::string prefix)
    : table_(table), prefix_(std::move(prefix)) {}

std::string TomlReader::Name(const std::string& key) const {
  return prefix_.empty() ? key : prefix_ + "." + key;
}

const toml::node* TomlReader::Find(const std::string& key) {
  read_.insert(key);
  return table_.get(key);
}

Status TomlReader::WrongType(const std::string& key, const std::string& expected,
                             const toml::node& node) const {
  const auto& where = node.source().begin;
  return InvalidArgument("line " + std::to_string(where.line) + ": '" + Name(key) + "' must be " +
                         expected);
}

Status TomlReader::String(const std::string& key, std::string* out, bool required) {
  const toml::node* node = Find(key);
  if (!node) {
    if (required) return InvalidArgument("'" + Name(key) + "' is required");
    return Status::Ok();
  }
  if (!node->is_string()) return WrongType(key, "a string", *node);
  *out = node->value<std::string>().value();
  if (required && out->empty()) {
    return InvalidArgument("'" + Name(key) + "' must not be empty");
  }
  return Status::Ok();
}

Status TomlReader::Integer(const std::string& key, int64_t min, int64_t max, int64_t* out) {
  const toml::node* node = Find(key);
  if (!node) return Status::Ok();
  if (!node->is_integer()) return WrongType(key, "an integer", *node);
  int64_t value = node->value<int64_t>().value();
  if (value < min || value > max) {
    return WrongType(key, "between " + std::to_string(min) + " and " + std::to_string(max), *node);
  }
  *out = value;
  return Status::Ok();
}

Status TomlReader::Millis(const std::string& key, std::chrono::milliseconds* out) {
  int64_t value = out->count();
  RETURN_IF_ERROR(Integer(key, 1, 24LL * 3600 * 1000, &value));
  *out = std::chrono::milliseconds(value);
  return Status::Ok();
}

Status TomlReader::Bool(const std::string& key, bool* out) {
  const toml::node* node = Find(key);
  if (!node) return Status::Ok();
  if (!node->is_boolean()) return WrongType(key, "true or false", *node);
  *out = node->value<bool>().value();
  return Status::Ok();
}

Status TomlReader::StringList(const std::string& key, std::vector<std::string>* out) {
  const toml::node* node = Find(key);
  if (!node) return Status::Ok();
  const toml::array* array = node->as_array();
  if (!array) return WrongType(key, "an array of strings", *node);
  out->clear();
  for (const auto& element : *array) {
    if (!element.is_string()) return WrongType(key, "an array of strings", element);
    out->push_back(element.value<std::string>().value());
  }
  return Status::Ok();
}

Result<const toml::table*> TomlReader::Table(const std::string& key) {
  const toml::node* node = Find(key);
  if (!node) return static_cast<const toml::table*>(nullptr);
  if (!node->is_table()) return WrongType(key, "a table", *node);
  return node->as_table();
}

Result<std::vector<const toml::table*>> TomlReader::TableArray(const std::string& key) {
  std::vector<const toml::table*> tables;
  const toml::node* node = Find(key);
  if (!node) return tables;
  const toml::array* array = node->as_array();
  if (!array) return WrongType(key, "an array of tables ([[" + key + "]])", *node);
  for (const auto& element : *array) {
    if (!element.is_table()) return WrongType(key, "an array of tables", element);
    tables.push_back(element.as_table());
  }
  return tables;
}

Status TomlReader::RejectUnknownKeys() const {
  for (const auto& [key, node] : table_) {
    std::string name(key.str());
    if (read_.count(name)) continue;
    return InvalidArgument("line " + std::to_string(node.source().begin.line) + ": unknown key '" +
                           Name(name) + "'");
  }
  return Status::Ok();
}

}  // namespace lockstep::agent
