#include "control/api_call.h"

#include "control/command_parser.h"
#include "control/command_words.h"
#include "control/executor.h"

namespace wisp {

Result<Reply> executeArgv(PhoneControl &phone, const std::vector<std::string> &argv) {
  auto command = parseCommand(argv);
  if (!command)
    return command.error();
  return execute(phone, *command);
}

Result<Reply> executeLine(PhoneControl &phone, std::string_view line) {
  std::string error;
  std::vector<std::string> words = splitWords(line, &error);
  if (!error.empty())
    return makeError("bad_argument", error);
  // An empty line is the parser's to refuse, with the words every other channel gets.
  return executeArgv(phone, words);
}

Json resultJson(const Reply &reply) {
  return Json::object().set("text", reply.text).set("data", reply.data);
}

} // namespace wisp
