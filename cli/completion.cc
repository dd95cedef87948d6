#include "cli/completion.h"

#include <algorithm>
#include <iostream>
#include <vector>

namespace lockstep::cli {
namespace {

// One command of the tree: its path from the root ("" for the root, "zk backup" below it), its
// subcommands, its visible options, those of them that take a value, and the values of those
// that take one of a set ("--verify" -> "none quick deep").
struct CommandWords {
  std::string path;
  std::vector<std::string> subcommands;
  std::vector<std::string> options;
  std::vector<std::string> valued;
  std::vector<std::pair<std::string, std::string>> choices;
};

std::string Join(const std::vector<std::string>& words) {
  std::string joined;
  for (const std::string& word : words) joined += (joined.empty() ? "" : " ") + word;
  return joined;
}

// The values a CLI::IsMember check allows, as the option's type name spells them
// ("TEXT:{none,quick,deep}"), space-separated; empty for any other option.
std::string Choices(const CLI::Option& option) {
  const std::string type = option.get_type_name();
  const size_t open = type.find(":{");
  const size_t close = type.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return "";
  std::string values = type.substr(open + 2, close - open - 2);
  std::replace(values.begin(), values.end(), ',', ' ');
  return values;
}

// Hidden options and subcommands (empty group) stay out of the completion as out of --help.
void AddOptions(const CLI::App& app, CommandWords* out, const CLI::Option* left_out = nullptr) {
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_positional() || option->get_group().empty() || option == left_out) continue;
    std::vector<std::string> names;
    for (const std::string& name : option->get_snames()) names.push_back("-" + name);
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    for (const std::string& name : names) {
      // Every command has its own --help beside the global one.
      if (std::find(out->options.begin(), out->options.end(), name) != out->options.end()) continue;
      out->options.push_back(name);
      if (option->get_type_size_max() > 0) out->valued.push_back(name);
      if (std::string choices = Choices(*option); !choices.empty()) {
        out->choices.emplace_back(name, choices);
      }
    }
  }
}

// `globals`: the root's options, which every command accepts (the app falls through).
void Collect(const CLI::App& app, const std::string& path, const CommandWords& globals,
             std::vector<CommandWords>* out) {
  CommandWords words = globals;
  words.path = path;
  AddOptions(app, &words);
  auto visible = [](const CLI::App* sub) { return !sub->get_group().empty(); };
  for (const CLI::App* sub : app.get_subcommands(visible)) {
    words.subcommands.push_back(sub->get_name());
  }
  out->push_back(words);
  for (const CLI::App* sub : app.get_subcommands(visible)) {
    Collect(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), globals, out);
  }
}

// A bash function `NAME PATH` printing the words `field` holds for the command at PATH.
std::string CaseFunction(const std::string& name, const std::vector<CommandWords>& commands,
                         std::vector<std::string> CommandWords::*field) {
  std::string text = name + "() {\n  case \"$1\" in\n";
  for (const CommandWords& command : commands) {
    text += "    \"" + command.path + "\") echo \"" + Join(command.*field) + "\" ;;\n";
  }
  return text + "  esac\n}\n";
}

// `_lockstep_choices PATH OPTION`: the values OPTION of the command at PATH takes, if a set.
std::string ChoicesFunction(const std::vector<CommandWords>& commands) {
  std::string text = "_lockstep_choices() {\n  case \"$1 $2\" in\n";
  for (const CommandWords& command : commands) {
    for (const auto& [option, values] : command.choices) {
      text += "    \"" + command.path + " " + option + "\") echo \"" + values + "\" ;;\n";
    }
  }
  return text + "  esac\n}\n";
}

// The walk over the words typed so far: subcommand names extend the path; options are skipped,
// with their value when they take one (`--opt value`, or `--opt=value`, which bash splits at `=`).
constexpr const char* kCompleteFunction = R"sh(_lockstep() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local path="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ $word == "=" ]]; then
      ((i++))
    elif [[ $word == -* ]]; then
      [[ " $(_lockstep_valued "$path") " == *" $word "* && ${COMP_WORDS[i+1]} != "=" ]] && ((i++))
    elif [[ " $(_lockstep_subcommands "$path") " == *" $word "* ]]; then
      path=${path:+$path }$word
    fi
  done
  COMPREPLY=()
  # A value: one of the option's set, else file names (from `complete -o default`). bash splits
  # `--opt=value` at `=`: the option is then the word before it.
  local option=$prev
  [[ $prev == "=" ]] && option=${COMP_WORDS[COMP_CWORD-2]}
  [[ $cur == "=" ]] && cur=""
  if [[ $prev == "=" || " $(_lockstep_valued "$path") " == *" $prev "* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_lockstep_choices "$path" "$option")" -- "$cur")
    return 0
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_lockstep_options "$path")" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "$(_lockstep_subcommands "$path")" -- "$cur")
  fi
}
complete -o default -F _lockstep lockstep
)sh";

}  // namespace

std::string BashCompletion(const CLI::App& app) {
  CommandWords globals;  // --version only where it belongs: right after `lockstep`
  AddOptions(app, &globals, app.get_version_ptr());
  std::vector<CommandWords> commands;
  Collect(app, "", globals, &commands);
  return "# bash completion for lockstep; generated by `lockstep --bash-completion` from the\n"
         "# command tree it parses with, so it knows every subcommand and flag.\n" +
         CaseFunction("_lockstep_subcommands", commands, &CommandWords::subcommands) +
         CaseFunction("_lockstep_options", commands, &CommandWords::options) +
         CaseFunction("_lockstep_valued", commands, &CommandWords::valued) +
         ChoicesFunction(commands) + kCompleteFunction;
}

void AddBashCompletionFlag(CLI::App& app) {
  app.add_flag_callback(
         "--bash-completion",
         [&app] {
           std::cout << BashCompletion(app);
           throw CLI::Success();
         },
         "print the bash completion script and exit")
      ->group("");
}

}  // namespace lockstep::cli
