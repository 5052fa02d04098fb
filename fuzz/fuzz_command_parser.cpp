// The command language: any argument vector parses to a command or a clear error, and a
// parsed command survives toArgv() and a second parse unchanged (what forwarding relies on).
// Input: the words, separated by NUL bytes.
#include "control/command_parser.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<std::string> argv(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0)
      argv.emplace_back();
    else
      argv.back() += static_cast<char>(data[i]);
  }
  auto command = wisp::parseCommand(argv);
  if (!command) {
    if (command.error().code.empty() || command.error().message.empty())
      abort();
    return 0;
  }
  (void)wisp::toString(*command);
  auto again = wisp::parseCommand(wisp::toArgv(*command));
  if (!again || !(*again == *command)) {
    fprintf(stderr, "round trip changed %s into %s\n", wisp::toString(*command).c_str(),
            again ? wisp::toString(*again).c_str() : again.error().message.c_str());
    abort();
  }
  return 0;
}
