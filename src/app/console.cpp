#include "app/console.h"

#include "control/command_parser.h"
#include "control/command_words.h"
#include "control/executor.h"
#include "util/callback_guard.h"
#include "util/log.h"

#include <re.h>

#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace wisp {

Console::~Console() {
  stop();
}

void Console::start() {
  tty_ = isatty(STDIN_FILENO);
  active_ = true;
  if (int err = fd_listen(
          STDIN_FILENO, FD_READ,
          [](int, void *arg) {
            guardCallback("console", [&] { static_cast<Console *>(arg)->onReadable(); });
          },
          this);
      err != 0) {
    log::warn("console", "cannot read commands from standard input: %s", strerror(err));
    active_ = false;
    return;
  }
  printf("Type a command (help lists them), or exit.\n");
  prompt();
}

void Console::stop() {
  if (!active_)
    return;
  fd_close(STDIN_FILENO);
  active_ = false;
}

void Console::prompt() {
  if (tty_) {
    printf("wisp> ");
    fflush(stdout);
  }
}

void Console::onReadable() {
  char buf[1024];
  ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
  if (n <= 0) {
    // End of input (Ctrl-D): leave the phone running headless rather than exiting by surprise.
    stop();
    if (n == 0 && tty_)
      printf("\n(console closed; the phone keeps running: wisp exit stops it)\n");
    return;
  }
  buffer_.append(buf, size_t(n));
  size_t start = 0;
  for (size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1)
    runLine(std::string_view(buffer_).substr(start, nl - start));
  buffer_.erase(0, start);
  if (buffer_.size() > 64 * 1024)
    buffer_.clear();
}

void Console::runLine(std::string_view line) {
  std::string error;
  auto words = splitWords(line, &error);
  if (!error.empty()) {
    printf("error: %s\n", error.c_str());
  } else if (!words.empty()) {
    auto command = parseCommand(words);
    if (!command) {
      printf("error: %s\n", command.error().message.c_str());
    } else {
      auto result = execute(phone_, *command);
      if (result)
        printf("%s\n", result->text.c_str());
      else
        printf("error: %s\n", result.error().message.c_str());
    }
  }
  if (active_)
    prompt();
}

} // namespace wisp
