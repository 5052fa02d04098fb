// The wisp command line: options first, then an optional command in the command language.
//   wisp [--profile DIR] [--audio-in SPEC] [--audio-out SPEC] [--headless] [COMMAND ARGS...]
//   wisp [--profile DIR] --register-handlers
#pragma once

#include "config/settings.h"
#include "util/result.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace wisp {

struct CliOptions {
  std::optional<std::filesystem::path> profileDir;
  std::optional<AudioDeviceSpec> audioIn;
  std::optional<AudioDeviceSpec> audioOut;
  bool headless = false;
  bool help = false;
  bool version = false;
  bool registerHandlers = false; // --register-handlers: make Wisp the user's handler for sip: etc.
  std::vector<std::string> command; // empty: run the phone
};

// Options end at the first word that is not one of ours (or after "--"), so commands keep
// their own options: `wisp hangup --all`.
Result<CliOptions> parseCliOptions(const std::vector<std::string> &args);

std::string cliUsage();

} // namespace wisp
